import { canonicalJson, merkleRootHex, sha256Hex } from './primitives';
import type { EntryEvidence } from './types';

function asArray(value: string | unknown[]): unknown[] {
  const parsed: unknown = typeof value === 'string' ? JSON.parse(value) : value;
  if (!Array.isArray(parsed)) throw new TypeError('outcomes and postings are JSON arrays');
  return parsed;
}

/**
 * The hash of an entry as the ledger computes it (apps/ledger/src/engine/entry-json.ts): SHA-256 of the
 * canonical JSON of its offset, outcomes, payload hash, postings, rejection and timestamp.
 */
export function entryHashOf(entry: EntryEvidence): string {
  return sha256Hex(
    canonicalJson({
      offset: entry.offset,
      outcomes: asArray(entry.outcomes),
      payload: sha256Hex(entry.payload),
      postings: asArray(entry.postings),
      rejection: entry.rejection ?? null,
      timestampMs: entry.timestampMs,
    }),
  );
}

/** The entries root of a block: the Merkle root over its entry hashes, in order. */
export function entriesRootOf(entries: readonly EntryEvidence[]): string {
  return merkleRootHex(entries.map(entryHashOf));
}
