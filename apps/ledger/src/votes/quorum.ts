import type { BlockHeader, EquivocationEvidence } from '@concord/contracts';
import { verifyBytes } from '@concord/crypto';
import type { ConsortiumSigner } from '../engine/ledger-engine';
import { checkEquivocation } from './equivocation';
import type { Certificate } from './votes.types';

export interface TalliedVote {
  signerId: string;
  headerHash: string;
  signature: string;
  changedAccounts: string[];
  /** The header that was signed: without it a second, different vote of the signer proves nothing. */
  header?: BlockHeader;
}

export type TallyEvent =
  | { kind: 'certified'; certificate: Certificate; firstVoter: string }
  | { kind: 'dissent'; height: number; signerId: string; headerHash: string; certifiedHash: string }
  | { kind: 'no-quorum'; height: number; hashes: Record<string, string[]> }
  | { kind: 'equivocation'; evidence: EquivocationEvidence };

interface HeightTally {
  votes: TalliedVote[];
  certifiedHash?: string;
  noQuorumRaised?: boolean;
  /** Signers already caught equivocating at this height: each is reported once. */
  equivocators?: Set<string>;
}

/**
 * Counts the signers' votes per height. Votes arrive in the same order at every signer (one partition),
 * so every signer reaches the same certificate and names the same first voter, who publishes the block.
 */
export type SignerSetLookup = (height: number) => { signers: readonly ConsortiumSigner[]; quorum: number };

export class QuorumTracker {
  private readonly heights = new Map<number, HeightTally>();

  /** `setAt` says which signers vote on a height and the quorum there (it changes through governance). */
  constructor(private readonly setAt: SignerSetLookup) {}

  /** A tracker for a signer set that never changes. */
  static fixed(signers: readonly ConsortiumSigner[], quorum: number): QuorumTracker {
    return new QuorumTracker(() => ({ signers, quorum }));
  }

  /**
   * Adds a vote; returns what it caused. Votes that do not verify change nothing. A signer's later vote at
   * a height it already voted on is not counted again; when it signs another header than its first vote,
   * and both headers come with the votes and hash to what was signed, the two are returned as evidence of
   * equivocation (once per signer and height).
   */
  add(height: number, vote: TalliedVote): TallyEvent[] {
    const set = this.setAt(height);
    const quorum = set.quorum;
    const key = set.signers.find((s) => s.id === vote.signerId)?.publicKey;
    if (!key || !verifyBytes(key, vote.headerHash, vote.signature)) return [];
    let tally = this.heights.get(height);
    if (!tally) this.heights.set(height, (tally = { votes: [] }));
    const earlier = tally.votes.find((v) => v.signerId === vote.signerId);
    if (earlier) return equivocation(tally, height, earlier, vote, key);
    tally.votes.push(vote);
    const events: TallyEvent[] = [];
    if (tally.certifiedHash) {
      if (vote.headerHash !== tally.certifiedHash) {
        events.push({
          kind: 'dissent',
          height,
          signerId: vote.signerId,
          headerHash: vote.headerHash,
          certifiedHash: tally.certifiedHash,
        });
      }
      return events;
    }
    const agreeing = tally.votes.filter((v) => v.headerHash === vote.headerHash);
    if (agreeing.length >= quorum) {
      tally.certifiedHash = vote.headerHash;
      events.push({
        kind: 'certified',
        certificate: {
          height,
          headerHash: vote.headerHash,
          signatures: agreeing.map((v) => ({ signerId: v.signerId, signature: v.signature })),
        },
        firstVoter: agreeing[0].signerId,
      });
      for (const v of tally.votes) {
        if (v.headerHash !== vote.headerHash) {
          events.push({
            kind: 'dissent',
            height,
            signerId: v.signerId,
            headerHash: v.headerHash,
            certifiedHash: vote.headerHash,
          });
        }
      }
      return events;
    }
    // No quorum is possible any more once the best header cannot reach it even with every missing vote.
    const counts = new Map<string, string[]>();
    for (const v of tally.votes) counts.set(v.headerHash, [...(counts.get(v.headerHash) ?? []), v.signerId]);
    const best = Math.max(...[...counts.values()].map((c) => c.length));
    const missing = set.signers.length - tally.votes.length;
    if (best + missing < quorum && !tally.noQuorumRaised) {
      tally.noQuorumRaised = true;
      events.push({ kind: 'no-quorum', height, hashes: Object.fromEntries(counts) });
    }
    return events;
  }

  certifiedHash(height: number): string | undefined {
    return this.heights.get(height)?.certifiedHash;
  }

  votesOf(height: number): readonly TalliedVote[] {
    return this.heights.get(height)?.votes ?? [];
  }

  /** Forgets heights at or below `height`, once they are final and published. */
  prune(height: number): void {
    for (const h of this.heights.keys()) if (h <= height) this.heights.delete(h);
  }
}

/**
 * The equivocation event when `later` signs another header than `earlier` at `height`, provided the two make
 * evidence that `checkEquivocation` accepts (what anyone will check offline); nothing otherwise. Only the
 * first vote of the signer counts towards the quorum, so that every signer, which reads the votes in the
 * same order, still counts the same votes.
 */
function equivocation(
  tally: HeightTally,
  height: number,
  earlier: TalliedVote,
  later: TalliedVote,
  key: string,
): TallyEvent[] {
  if (earlier.headerHash === later.headerHash || !earlier.header || !later.header) return [];
  if (tally.equivocators?.has(later.signerId)) return [];
  const evidence: EquivocationEvidence = {
    signerId: later.signerId,
    height,
    first: { header: earlier.header, headerHash: earlier.headerHash, signature: earlier.signature },
    second: { header: later.header, headerHash: later.headerHash, signature: later.signature },
  };
  if (!checkEquivocation(evidence, key).ok) return [];
  (tally.equivocators ??= new Set()).add(later.signerId);
  return [{ kind: 'equivocation', evidence }];
}

/** The accounts on which two votes for the same height disagree. */
export function differingAccounts(a: readonly string[], b: readonly string[]): string[] {
  const index = (list: readonly string[]) => new Map(list.map((s) => [s.split('|')[0], s]));
  const left = index(a);
  const right = index(b);
  const ids = new Set([...left.keys(), ...right.keys()]);
  return [...ids].filter((id) => left.get(id) !== right.get(id)).sort();
}
