import type { TransferOutcome } from '@concord/contracts';
import { sha256Hex } from '@concord/crypto';
import { hash as oneShotHash } from 'node:crypto';
import type { RejectionReason } from './engine.errors';
import type { LogRecord, Posting } from './engine.types';

/*
 * The canonical JSON of the engine's own hashed shapes, written out. Every entry hash serializes all the
 * outcomes and postings of its entry, and `canonicalize` (recursive, reduce and template strings per key)
 * was the largest single cost of applying a batch. These functions give byte for byte the text that
 * `canonicalJson` gives for the same objects: keys in sorted order, strings and numbers through
 * JSON.stringify as `canonicalize` does, NaN and infinities refused, undefined members left out. The
 * type checks below stop compiling when a hashed shape gains or loses a field; the spec compares both
 * ways of hashing on generated logs.
 */
export type SameKeys<T, K extends PropertyKey> = [Exclude<keyof T, K>, Exclude<K, keyof T>] extends [
  never,
  never,
]
  ? true
  : false;
const _outcomeKeys: SameKeys<
  TransferOutcome,
  'amountMinor' | 'currency' | 'payee' | 'payer' | 'reason' | 'refusal' | 'status' | 'transferId'
> = true;
const _postingKeys: SameKeys<
  Posting,
  'amountMinor' | 'creditAccount' | 'currency' | 'debitAccount' | 'transferId'
> = true;

/** What JSON.stringify escapes in a string: quote, backslash, control characters and surrogates. */
// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;
/** = JSON.stringify(s); ids, codes and amounts need no escaping, so they skip the general path. */
const jsonString = (s: string): string => (NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : `"${s}"`);

/**
 * sha256Hex of a string through node:crypto's one-shot `hash` (Node >= 20.12) when there is one: the same
 * digest without a Hash object per call, which counts at one content hash per transfer.
 */
export const sha256HexOf: (text: string) => string =
  typeof oneShotHash === 'function' ? (text) => oneShotHash('sha256', text, 'hex') : sha256Hex;

function jsonNumber(n: number): string {
  if (typeof n === 'number' && Number.isNaN(n)) throw new Error('NaN is not allowed');
  if (typeof n === 'number' && !Number.isFinite(n)) throw new Error('Infinity is not allowed');
  return JSON.stringify(n);
}

/** = canonicalJson(outcome). */
function outcomeJson(o: TransferOutcome): string {
  return (
    `{"amountMinor":${jsonString(o.amountMinor)},"currency":${jsonString(o.currency)},` +
    `"payee":${jsonString(o.payee)},"payer":${jsonString(o.payer)},` +
    (o.reason === undefined ? '' : `"reason":${jsonString(o.reason)},`) +
    (o.refusal === undefined ? '' : `"refusal":${JSON.stringify(o.refusal)},`) +
    `"status":${jsonString(o.status)},"transferId":${jsonString(o.transferId)}}`
  );
}

/** = canonicalJson({ ...posting, amountMinor: posting.amountMinor.toString() }). */
function postingJson(p: Posting): string {
  return (
    `{"amountMinor":${jsonString(p.amountMinor.toString())},"creditAccount":${jsonString(p.creditAccount)},` +
    `"currency":${jsonString(p.currency)},"debitAccount":${jsonString(p.debitAccount)},` +
    `"transferId":${jsonString(p.transferId)}}`
  );
}

/** = canonicalJson(outcomes). */
export function outcomesJson(outcomes: readonly TransferOutcome[]): string {
  // join makes one flat string; appending piece by piece would leave a tree of thousands of pieces in
  // the entry until its block is stored.
  return `[${outcomes.map(outcomeJson).join(',')}]`;
}

/** = canonicalJson(postings) with the amounts as strings. */
export function postingsJson(postings: readonly Posting[]): string {
  return `[${postings.map(postingJson).join(',')}]`;
}

/**
 * = canonicalJson({ offset, timestampMs, payload, rejection: rejection ?? null, outcomes, postings }) with
 * the postings' amounts as strings: the text an entry hash commits to. The outcomes and postings come as
 * their texts (`outcomesJson`, `postingsJson`), which the entry keeps for its signer to store.
 */
export function entryJson(
  record: Pick<LogRecord, 'offset' | 'timestampMs'>,
  payloadHash: string,
  rejection: RejectionReason | undefined,
  outcomes: string,
  postings: string,
): string {
  return (
    `{"offset":${jsonString(record.offset.toString())},"outcomes":${outcomes},` +
    `"payload":${jsonString(payloadHash)},"postings":${postings},` +
    `"rejection":${rejection === undefined ? 'null' : jsonString(rejection)},` +
    `"timestampMs":${jsonNumber(record.timestampMs)}}`
  );
}
