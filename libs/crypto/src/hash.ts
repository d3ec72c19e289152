import { createHash, hash as oneShotHash } from 'node:crypto';
import canonicalizeJson from 'canonicalize';

/**
 * node:crypto's one-shot `hash` (Node >= 20.12) gives the same digest without a Hash object per call, about
 * twice as fast on the short inputs the ledger hashes by the thousand per block (Merkle nodes, headers,
 * request digests). Older Node versions take the Hash object way.
 */
const hasOneShot = typeof oneShotHash === 'function';

export function sha256Hex(data: Buffer | string): string {
  return hasOneShot ? oneShotHash('sha256', data, 'hex') : createHash('sha256').update(data).digest('hex');
}

export function sha256(data: Buffer | string): Buffer {
  return hasOneShot ? oneShotHash('sha256', data, 'buffer') : createHash('sha256').update(data).digest();
}

export function sha256Base64(data: Buffer | string): string {
  return hasOneShot
    ? oneShotHash('sha256', data, 'base64')
    : createHash('sha256').update(data).digest('base64');
}

/**
 * RFC 8785 canonical JSON (sorted keys, no whitespace), so that the same object always hashes and signs
 * to the same bytes on every node. Bigints must be converted to strings before.
 */
export function canonicalJson(value: unknown): string {
  const text = canonicalizeJson(value);
  if (text === undefined) throw new TypeError('value cannot be represented as canonical JSON');
  return text;
}
