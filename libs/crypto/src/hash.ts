import { createHash } from 'node:crypto';
import canonicalizeJson from 'canonicalize';

export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

export function sha256(data: Buffer | string): Buffer {
  return createHash('sha256').update(data).digest();
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
