/**
 * What the SDK needs of its runtime, so that its client code imports nothing of Node: Ed25519 signing,
 * SHA-256, HMAC-SHA256, random bytes and one HTTP exchange. `index.ts` (Node) provides it with node:crypto
 * and node:http, `browser.ts` (browsers, React Native) with @noble/curves, @noble/hashes and fetch.
 */
export interface Platform {
  /** Ed25519 signature of `message` under the 32-byte `seed`. */
  sign(seed: Uint8Array, message: Uint8Array): Uint8Array;
  /** The 32-byte Ed25519 public key of `seed`. */
  publicKey(seed: Uint8Array): Uint8Array;
  sha256(data: Uint8Array): Uint8Array;
  hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array;
  randomBytes(n: number): Uint8Array;
  /**
   * One HTTP exchange; rejects on a network failure and after `timeoutMs` without an answer (a
   * `TimeoutError` whose `name` is 'TimeoutError').
   */
  exchange(request: HttpRequest): Promise<HttpResponse>;
}

export interface HttpRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  /** '' for no body. */
  body: string;
  timeoutMs: number;
}

export interface HttpResponse {
  status: number;
  headers: Headers;
  body: string;
}

/** A call that got no answer in time (Platform.exchange rejects with it). */
export class TimeoutError extends Error {
  constructor(
    readonly url: string,
    readonly timeoutMs: number,
  ) {
    super(`no answer from ${url} within ${timeoutMs} ms`);
    this.name = 'TimeoutError';
  }
}

const encoder = new TextEncoder();
export const utf8 = (text: string): Uint8Array => encoder.encode(text);

export function hexToBytes(hex: string): Uint8Array {
  if (!/^([0-9a-fA-F]{2})*$/.test(hex)) throw new RangeError('not a hex string');
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function bytesToHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Standard base64 with padding (RFC 4648 section 4), without Buffer or btoa (React Native has neither everywhere). */
export function base64(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    out += B64[(n >> 18) & 63] + B64[(n >> 12) & 63];
    out += i + 1 < bytes.length ? B64[(n >> 6) & 63] : '=';
    out += i + 2 < bytes.length ? B64[n & 63] : '=';
  }
  return out;
}

export const base64url = (bytes: Uint8Array): string =>
  base64(bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

/** A random (version 4) UUID from the platform's random bytes. */
export function uuid(platform: Platform): string {
  const b = platform.randomBytes(16);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = bytesToHex(b);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * The signature base of the partner API's RFC 9421 profile (README, libs/crypto http-signature.ts, which
 * the services verify with): `@method`, `@path`, `@query` and `content-digest` (RFC 9530 sha-256), with
 * `created`, `keyid`, a nonce and `alg="ed25519"`. Written again here without node:crypto; a test checks
 * that both give the same headers.
 */
export function signedRequestHeaders(
  platform: Platform,
  seed: Uint8Array,
  parts: {
    method: string;
    path: string;
    query: string;
    body: string;
    created: number;
    keyId: string;
    nonce: string;
  },
): Record<string, string> {
  const digest = `sha-256=:${base64(platform.sha256(utf8(parts.body)))}:`;
  const params =
    `("@method" "@path" "@query" "content-digest");created=${parts.created};keyid="${parts.keyId}"` +
    `;nonce="${parts.nonce}";alg="ed25519"`;
  const signatureBase = [
    `"@method": ${parts.method.toUpperCase()}`,
    `"@path": ${parts.path}`,
    `"@query": ?${parts.query}`,
    `"content-digest": ${digest}`,
    `"@signature-params": ${params}`,
  ].join('\n');
  return {
    'content-digest': digest,
    'signature-input': `sig1=${params}`,
    signature: `sig1=:${base64(platform.sign(seed, utf8(signatureBase)))}:`,
  };
}

let fallback: Platform | undefined;

/** Set by the entry point that was loaded (index.ts for Node, browser.ts for browsers and React Native). */
export function setDefaultPlatform(platform: Platform): void {
  fallback = platform;
}

export function defaultPlatform(): Platform {
  if (!fallback) throw new Error('@concord/sdk: import the package entry (index or browser), not its parts');
  return fallback;
}
