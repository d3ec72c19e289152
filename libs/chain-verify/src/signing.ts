import { ed25519 } from '@noble/curves/ed25519';
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils';

/*
 * Signing in the browser with a key the user imports (an operator approving a governance proposal). The
 * seed never leaves the page; only the signature is sent.
 */

const SEED = /^[0-9a-f]{64}$/;

function bytesToBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** The raw Ed25519 public key (hex) of a 32-byte seed given in hex. */
export function publicKeyOfSeed(seedHex: string): string {
  if (!SEED.test(seedHex)) throw new RangeError('an Ed25519 seed is 64 lower-case hex characters');
  return bytesToHex(ed25519.getPublicKey(hexToBytes(seedHex)));
}

/** Ed25519 signature (base64url, as the ledger expects) over the UTF-8 bytes of `message`. */
export function signWithSeed(seedHex: string, message: string): string {
  if (!SEED.test(seedHex)) throw new RangeError('an Ed25519 seed is 64 lower-case hex characters');
  return bytesToBase64Url(ed25519.sign(utf8ToBytes(message), hexToBytes(seedHex)));
}

/**
 * Reads a key file: JSON with `keyId` and `seedHex` (or `seed`/`privateKey`), or a bare hex seed. Returns
 * the key id when the file names one.
 */
export function parseKeyFile(text: string): { keyId: string | null; seedHex: string } {
  const trimmed = text.trim();
  if (SEED.test(trimmed.toLowerCase())) return { keyId: null, seedHex: trimmed.toLowerCase() };
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(trimmed) as Record<string, unknown>;
  } catch {
    throw new TypeError('the key file is neither JSON nor a hex seed');
  }
  const seed = [parsed.seedHex, parsed.seed, parsed.privateKey].find((v) => typeof v === 'string') as string;
  if (!seed || !SEED.test(seed.toLowerCase())) throw new TypeError('the key file holds no 32-byte hex seed');
  return { keyId: typeof parsed.keyId === 'string' ? parsed.keyId : null, seedHex: seed.toLowerCase() };
}
