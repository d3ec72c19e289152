import { ed25519 } from '@noble/curves/ed25519';
import { hmac } from '@noble/hashes/hmac';
import { sha256 } from '@noble/hashes/sha2';
import { HttpRequest, HttpResponse, Platform, TimeoutError } from './platform';

/** One HTTP exchange through `fetch`, abandoned after the timeout. */
async function exchange(r: HttpRequest): Promise<HttpResponse> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), r.timeoutMs);
  try {
    const response = await fetch(r.url, {
      method: r.method,
      headers: r.headers,
      body: r.body === '' ? undefined : r.body,
      signal: controller.signal,
    });
    return { status: response.status, headers: response.headers, body: await response.text() };
  } catch (error) {
    if (controller.signal.aborted) throw new TimeoutError(r.url, r.timeoutMs);
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Browsers and React Native: Ed25519 with @noble/curves, SHA-256 and HMAC with @noble/hashes (audited,
 * pure JS, no node:crypto), random bytes from `crypto.getRandomValues` (React Native: install
 * react-native-get-random-values first), HTTP through `fetch`.
 */
export const webPlatform: Platform = {
  sign: (seed, message) => ed25519.sign(message, seed),
  publicKey: (seed) => ed25519.getPublicKey(seed),
  sha256: (data) => sha256(data),
  hmacSha256: (key, data) => hmac(sha256, key, data),
  randomBytes: (n) => {
    const cryptoApi = (globalThis as { crypto?: { getRandomValues?: (a: Uint8Array) => Uint8Array } }).crypto;
    if (!cryptoApi?.getRandomValues) {
      throw new Error(
        '@concord/sdk needs crypto.getRandomValues (React Native: react-native-get-random-values)',
      );
    }
    return cryptoApi.getRandomValues(new Uint8Array(n));
  },
  exchange,
};
