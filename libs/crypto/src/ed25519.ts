import {
  createPrivateKey,
  createPublicKey,
  KeyObject,
  sign as nodeSign,
  verify as nodeVerify,
} from 'node:crypto';

/**
 * Ed25519 through node:crypto (OpenSSL): about ten times faster than a pure-JS implementation on this
 * hardware (DESIGN.md), which matters because every instruction's signature is checked by every signer.
 * Keys travel as hex: a 32-byte seed for private keys and the 32-byte raw point for public keys.
 */
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export interface SigningKey {
  readonly privateKey: KeyObject;
  /** Raw 32-byte public key, hex. */
  readonly publicKeyHex: string;
}

export function signingKeyFromSeed(seedHex: string): SigningKey {
  const seed = Buffer.from(seedHex, 'hex');
  if (seed.length !== 32) throw new RangeError('an Ed25519 seed is 32 bytes (64 hex characters)');
  const privateKey = createPrivateKey({
    key: Buffer.concat([PKCS8_PREFIX, seed]),
    format: 'der',
    type: 'pkcs8',
  });
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  return { privateKey, publicKeyHex: spki.subarray(SPKI_PREFIX.length).toString('hex') };
}

const publicKeyCache = new Map<string, KeyObject | null>();

/** Parses a raw hex public key; null when it is not a valid 32-byte key. Parsed keys are cached. */
export function publicKeyFromHex(publicKeyHex: string): KeyObject | null {
  let key = publicKeyCache.get(publicKeyHex);
  if (key === undefined) {
    const raw = /^[0-9a-f]{64}$/.test(publicKeyHex) ? Buffer.from(publicKeyHex, 'hex') : null;
    try {
      key = raw
        ? createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' })
        : null;
    } catch {
      key = null;
    }
    publicKeyCache.set(publicKeyHex, key);
  }
  return key;
}

/** Signs `data`; returns the 64-byte signature as base64url. */
export function signBytes(key: SigningKey, data: Buffer | string): string {
  return nodeSign(null, typeof data === 'string' ? Buffer.from(data) : data, key.privateKey).toString(
    'base64url',
  );
}

/** Verifies a base64url signature; any malformed input is simply "not valid", never an exception. */
export function verifyBytes(publicKeyHex: string, data: Buffer | string, signatureB64: string): boolean {
  const key = publicKeyFromHex(publicKeyHex);
  if (!key || typeof signatureB64 !== 'string' || !/^[A-Za-z0-9_-]{86}$/.test(signatureB64)) return false;
  try {
    return nodeVerify(
      null,
      typeof data === 'string' ? Buffer.from(data) : data,
      key,
      Buffer.from(signatureB64, 'base64url'),
    );
  } catch {
    return false;
  }
}
