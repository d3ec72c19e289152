import { parseSignatureHeaders, verifyRequestSignature } from '@concord/crypto';
import type { Redis } from 'ioredis';
import type { Directory, Member } from '../participants/directory';
import { refuse } from '../http/routing.errors';

export interface SignedRequest {
  method: string;
  url: string;
  rawBody?: Buffer;
  headers: Record<string, string | string[] | undefined>;
}

/**
 * Checks a member's signed request as the gateway does (RFC 9421 profile of the README): a known key of
 * an active member, the digest of the body, the Ed25519 signature, freshness, and no replay (the signature
 * is remembered in Redis for the freshness window). Keys come from the ledger's finalized blocks, so
 * routing needs no table of the gateway's. The key routing itself signs with is refused here: a request
 * made with it would be routing talking to itself.
 */
export class RequestVerifier {
  constructor(
    private readonly directory: Directory,
    private readonly redis: Redis,
    private readonly maxAgeS: number,
    private readonly keyPrefix: string,
    private readonly ownPublicKey: string,
  ) {}

  async verify(req: SignedRequest, nowMs = Date.now()): Promise<Member> {
    const header = (name: string) => {
      const v = req.headers[name];
      return Array.isArray(v) ? v[0] : v;
    };
    const body = req.rawBody?.toString('utf8') ?? '';
    const parsed = parseSignatureHeaders({
      signatureInput: header('signature-input'),
      signature: header('signature'),
      contentDigest: header('content-digest'),
      body,
    });
    if ('problem' in parsed) refuse({ kind: 'UNAUTHENTICATED', detail: parsed.problem });
    const found = this.directory.key(parsed.keyId);
    if (!found || found.publicKey === this.ownPublicKey) {
      refuse({ kind: 'UNAUTHENTICATED', detail: `unknown key ${parsed.keyId}` });
    }
    const [path, ...rest] = req.url.split('?');
    const parts = {
      method: req.method,
      path,
      query: rest.join('?'),
      body,
      created: parsed.created,
      keyId: parsed.keyId,
      ...(parsed.nonce ? { nonce: parsed.nonce } : {}),
    };
    if (!verifyRequestSignature(found.publicKey, parts, parsed.signature)) {
      refuse({ kind: 'UNAUTHENTICATED', detail: 'the signature does not verify' });
    }
    const ageS = nowMs / 1000 - parsed.created;
    if (ageS > this.maxAgeS || ageS < -60) {
      refuse({
        kind: 'UNAUTHENTICATED',
        detail: `signature ${Math.round(ageS)} s old (at most ${this.maxAgeS})`,
      });
    }
    const fresh = await this.redis.set(
      `${this.keyPrefix}sig:${parsed.signature}`,
      '1',
      'EX',
      this.maxAgeS + 60,
      'NX',
    );
    if (fresh !== 'OK') refuse({ kind: 'UNAUTHENTICATED', detail: 'replayed request' });
    if (found.member.status !== 'active') {
      refuse({ kind: 'UNAUTHENTICATED', detail: `${found.member.id} is ${found.member.status}` });
    }
    return found.member;
  }
}
