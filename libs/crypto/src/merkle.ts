import { sha256 } from './hash';

/**
 * A binary Merkle tree over SHA-256 with domain separation (0x00 for leaves, 0x01 for inner nodes) so that
 * a leaf can never be passed off as an inner node. An odd node at the end of a level is carried up
 * unchanged. The root of an empty tree is the hash of the empty string with the leaf tag.
 */
const LEAF = Buffer.from([0]);
const NODE = Buffer.from([1]);

// One buffer and one hash call per node rather than a Hash object fed in pieces: the same bytes, so the
// same digest. A string is taken as UTF-8, as Hash.update takes it.
export function leafHash(data: Buffer | string): Buffer {
  return sha256(Buffer.concat([LEAF, typeof data === 'string' ? Buffer.from(data) : data]));
}

function nodeHash(left: Buffer, right: Buffer): Buffer {
  return sha256(Buffer.concat([NODE, left, right]));
}

export const EMPTY_ROOT_HEX = leafHash('').toString('hex');

export function merkleRoot(leaves: readonly Buffer[]): Buffer {
  if (leaves.length === 0) return leafHash('');
  let level = leaves.slice();
  while (level.length > 1) {
    const next: Buffer[] = [];
    for (let i = 0; i < level.length; i += 2) {
      next.push(i + 1 < level.length ? nodeHash(level[i], level[i + 1]) : level[i]);
    }
    level = next;
  }
  return level[0];
}

export interface ProofStep {
  /** Sibling hash, hex. */
  hash: string;
  /** Whether the sibling sits to the left of the running hash. */
  left: boolean;
}

/** The audit path from leaf `index` to the root. */
export function merkleProof(leaves: readonly Buffer[], index: number): ProofStep[] {
  if (index < 0 || index >= leaves.length) throw new RangeError('leaf index out of range');
  const steps: ProofStep[] = [];
  let level = leaves.slice();
  let position = index;
  while (level.length > 1) {
    const sibling = position % 2 === 0 ? position + 1 : position - 1;
    if (sibling < level.length)
      steps.push({ hash: level[sibling].toString('hex'), left: sibling < position });
    const next: Buffer[] = [];
    for (let i = 0; i < level.length; i += 2) {
      next.push(i + 1 < level.length ? nodeHash(level[i], level[i + 1]) : level[i]);
    }
    level = next;
    position = Math.floor(position / 2);
  }
  return steps;
}

export function verifyMerkleProof(leaf: Buffer, proof: readonly ProofStep[], rootHex: string): boolean {
  let running = leaf;
  for (const step of proof) {
    const sibling = Buffer.from(step.hash, 'hex');
    running = step.left ? nodeHash(sibling, running) : nodeHash(running, sibling);
  }
  return running.toString('hex') === rootHex;
}
