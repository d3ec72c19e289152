import { ed25519 } from '@noble/curves/ed25519';
import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex, concatBytes, hexToBytes, utf8ToBytes } from '@noble/hashes/utils';
import canonicalize from 'canonicalize';

/*
 * The ledger's hashing and signing rules (libs/crypto, apps/ledger/src/engine) written again with
 * @noble/hashes and @noble/curves, which run the same in a browser and in Node: no Buffer, no node:crypto.
 * apps/ledger/src/verify/chain-verify-agreement.spec.ts checks them against blocks the real engine seals.
 */

const HEX64 = /^[0-9a-f]{64}$/;
const SIGNATURE_B64URL = /^[A-Za-z0-9_-]{86}$/;

export function sha256Hex(data: string | Uint8Array): string {
  return bytesToHex(sha256(typeof data === 'string' ? utf8ToBytes(data) : data));
}

/** RFC 8785 canonical JSON, as the ledger hashes headers and entries. */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError('value cannot be represented as canonical JSON');
  return text;
}

/** A block header's hash: SHA-256 of its canonical JSON, hex. */
export function headerHashOf(header: object): string {
  return sha256Hex(canonicalJson(header));
}

function base64UrlToBytes(text: string): Uint8Array {
  const standard = text.replace(/-/g, '+').replace(/_/g, '/');
  const binary = atob(standard + '='.repeat((4 - (standard.length % 4)) % 4));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/**
 * Ed25519 verification of a base64url signature over the UTF-8 bytes of `message`. Strict RFC 8032 rules
 * (zip215 off), as OpenSSL applies them in the ledger; malformed input is "not valid", never an exception.
 */
export function verifySignature(publicKeyHex: string, message: string, signatureB64url: string): boolean {
  if (!HEX64.test(publicKeyHex) || typeof signatureB64url !== 'string') return false;
  if (!SIGNATURE_B64URL.test(signatureB64url)) return false;
  try {
    return ed25519.verify(base64UrlToBytes(signatureB64url), utf8ToBytes(message), hexToBytes(publicKeyHex), {
      zip215: false,
    });
  } catch {
    return false;
  }
}

const LEAF = Uint8Array.of(0);
const NODE = Uint8Array.of(1);

/** A Merkle leaf: SHA-256 over 0x00 and the data (domain separation from inner nodes). */
export function leafHash(data: string): Uint8Array {
  return sha256(concatBytes(LEAF, utf8ToBytes(data)));
}

function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  return sha256(concatBytes(NODE, left, right));
}

/** Root over leaves given as they are (an odd node is carried up); the empty tree is leafHash(''). */
export function merkleRootHex(leavesHex: readonly string[]): string {
  if (leavesHex.length === 0) return bytesToHex(leafHash(''));
  let level = leavesHex.map((h) => hexToBytes(h));
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) {
      next.push(i + 1 < level.length ? nodeHash(level[i], level[i + 1]) : level[i]);
    }
    level = next;
  }
  return bytesToHex(level[0]);
}

export interface ProofStep {
  /** Sibling hash, hex. */
  hash: string;
  /** Whether the sibling sits to the left of the running hash. */
  left: boolean;
}

/** The state-root leaf of an account: `id|balance|reserved` in minor units. */
export function accountLeafHex(accountId: string, balanceMinor: string, reservedMinor: string): string {
  return bytesToHex(leafHash(`${accountId}|${balanceMinor}|${reservedMinor}`));
}

/** Whether the audit path leads from `leafHex` to `rootHex`. */
export function verifyMerklePath(leafHex: string, proof: readonly ProofStep[], rootHex: string): boolean {
  if (!proof.every((s) => HEX64.test(s?.hash) && typeof s.left === 'boolean')) return false;
  let running = hexToBytes(leafHex);
  for (const step of proof) {
    const sibling = hexToBytes(step.hash);
    running = step.left ? nodeHash(sibling, running) : nodeHash(running, sibling);
  }
  return bytesToHex(running) === rootHex;
}
