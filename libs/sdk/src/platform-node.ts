import {
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  KeyObject,
  randomBytes,
  sign,
} from 'node:crypto';
import * as http from 'node:http';
import * as https from 'node:https';
import { HttpRequest, HttpResponse, Platform, TimeoutError } from './platform';

const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX_LENGTH = 12;
const keys = new Map<string, KeyObject>();

function privateKey(seed: Uint8Array): KeyObject {
  const id = Buffer.from(seed).toString('hex');
  let key = keys.get(id);
  if (!key) {
    key = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
    keys.set(id, key);
  }
  return key;
}

/** Kept-alive connections, shared by the clients of this process. */
const agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };

/**
 * One HTTP exchange through node:http(s), not `fetch`: on this project's machine a call through fetch
 * cost about six times the client CPU of one through node:http (its WHATWG streams and headers), which
 * matters to a partner's back office sending thousands of calls and to the bench, whose load generator
 * shares the machine with the network it measures. A network failure rejects, as fetch does.
 */
function exchange(r: HttpRequest): Promise<HttpResponse> {
  const secure = r.url.startsWith('https:');
  return new Promise((resolve, reject) => {
    const request = (secure ? https : http).request(
      r.url,
      {
        method: r.method,
        agent: secure ? agents.https : agents.http,
        headers:
          r.body === '' ? r.headers : { ...r.headers, 'content-length': String(Buffer.byteLength(r.body)) },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          clearTimeout(timer);
          const received = new Headers();
          for (const [name, value] of Object.entries(response.headers)) {
            if (value === undefined) continue;
            for (const v of Array.isArray(value) ? value : [value]) received.append(name, v);
          }
          resolve({
            status: response.statusCode ?? 0,
            headers: received,
            body: Buffer.concat(chunks).toString('utf8'),
          });
        });
      },
    );
    const timer = setTimeout(() => request.destroy(new TimeoutError(r.url, r.timeoutMs)), r.timeoutMs);
    request.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    request.end(r.body === '' ? undefined : r.body);
  });
}

/** Node: Ed25519, SHA-256 and HMAC through node:crypto (OpenSSL), HTTP through node:http(s). */
export const nodePlatform: Platform = {
  sign: (seed, message) => new Uint8Array(sign(null, message, privateKey(seed))),
  publicKey: (seed) =>
    new Uint8Array(
      createPublicKey(privateKey(seed)).export({ format: 'der', type: 'spki' }).subarray(SPKI_PREFIX_LENGTH),
    ),
  sha256: (data) => new Uint8Array(createHash('sha256').update(data).digest()),
  hmacSha256: (key, data) => new Uint8Array(createHmac('sha256', key).update(data).digest()),
  randomBytes: (n) => new Uint8Array(randomBytes(n)),
  exchange,
};
