import { parseSignatureHeaders, SignedRequestParts, verifyRequestSignature } from '@concord/crypto';
import { routeInstruction } from '@concord/contracts';
import type { Redis, Result } from 'ioredis';
import type { GatewayMetrics } from '../metrics/gateway.metrics';
import { AuthFailure } from './auth.errors';
import { KnownParticipant, ParticipantsRepository } from './participants.repository';

export interface AuthenticatedRequest {
  participant: KnownParticipant;
  keyId: string;
  created: number;
  signature: string;
  /** Exactly what was signed, so that it can travel to the ledger and be checked again there. */
  signed: SignedRequestParts;
}

/**
 * Whether a participant of this status may make this request. Active: anything. Closed: nothing, its
 * membership is over. Suspended: no new business, that is no new transfer or batch (which the ledger
 * would refuse anyway) and no quote (whose only use is a new transfer); but it may still fulfil or abort
 * the transfers it has reserved, read its accounts, statements, transfers and proofs, and manage its
 * webhooks, so that it can follow its settlement to the end.
 */
export function statusAllows(status: string, method: string, path: string): boolean {
  if (status === 'active') return true;
  if (status !== 'suspended') return false;
  if (method !== 'POST') return true;
  const route = routeInstruction(path);
  if (route) return route.kind === 'fulfil' || route.kind === 'abort';
  return path !== '/v1/quotes';
}

/**
 * What admitting a signed request takes in Redis, as one script: remember the signature for its freshness
 * window unless it is there already (a replay), and count the request in the participant's one-second
 * window (which expires soon after). The same as MULTI/SET NX EX/INCR/EXPIRE/EXEC, in one command instead
 * of five: ioredis's encoding and decoding of a transaction showed in the gateway's profile under single
 * transfers (figures in docs/performance.md). Answers [1 if the signature was new else 0, the window's count].
 */
const ADMIT_SCRIPT = `
local fresh = redis.call('SET', KEYS[1], '1', 'EX', ARGV[1], 'NX')
local count = redis.call('INCR', KEYS[2])
if count == 1 then redis.call('EXPIRE', KEYS[2], 2) end
return { fresh and 1 or 0, count }
`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    /** See ADMIT_SCRIPT (defined by AuthService). */
    concordAdmit(
      signatureKey: string,
      rateKey: string,
      signatureTtlS: number,
    ): Result<[fresh: number, count: number], Context>;
  }
}

/**
 * Checks a partner's HTTP message signature (README, "Signed requests"): the key must be an active key
 * of a member, the digest must match the body, the signature must verify, the request must be fresh and
 * seen only once (replays are remembered in Redis for the freshness window).
 */
export class AuthService {
  /**
   * One authentication per request object: the idempotency hook authenticates a POST before its handler
   * does, and the second call must get the same answer instead of refusing the request as its own replay.
   */
  private readonly byRequest = new WeakMap<object, Promise<AuthenticatedRequest>>();

  constructor(
    private readonly participants: ParticipantsRepository,
    private readonly redis: Redis,
    private readonly maxAgeS: number,
    private readonly keyPrefix: string,
    private readonly ratePerSecond: number,
    private readonly metrics?: Pick<GatewayMetrics, 'authRefusals' | 'rateLimited'>,
  ) {
    // ioredis sends EVALSHA and loads the script on a NOSCRIPT answer (e.g. after Redis restarted);
    // defining it again on a shared connection replaces it with itself.
    redis.defineCommand('concordAdmit', { numberOfKeys: 2, lua: ADMIT_SCRIPT });
  }

  /**
   * Authenticates a Fastify request (method, URL, raw body, headers) at the current time; asked again for
   * the same request object, it answers the first result (or refusal) again.
   */
  authenticateRequest(req: {
    method: string;
    url: string;
    rawBody?: Buffer;
    headers: Record<string, string | string[] | undefined>;
  }): Promise<AuthenticatedRequest> {
    const known = this.byRequest.get(req);
    if (known) return known;
    const [path, ...rest] = req.url.split('?');
    const result = this.authenticate({
      method: req.method,
      path,
      query: rest.join('?'),
      body: req.rawBody?.toString('utf8') ?? '',
      headers: req.headers,
      nowMs: Date.now(),
    }).catch((error: unknown) => {
      // Refusals are counted by their code; the rate limit has its own counter, by participant.
      if (error instanceof AuthFailure && error.error.kind !== 'RATE_LIMITED')
        this.metrics?.authRefusals.inc({ reason: error.error.kind });
      throw error;
    });
    this.byRequest.set(req, result);
    return result;
  }

  async authenticate(request: {
    method: string;
    path: string;
    query?: string;
    body: string;
    headers: Record<string, string | string[] | undefined>;
    nowMs: number;
  }): Promise<AuthenticatedRequest> {
    const header = (name: string) => {
      const v = request.headers[name];
      return Array.isArray(v) ? v[0] : v;
    };
    const parsed = parseSignatureHeaders({
      signatureInput: header('signature-input'),
      signature: header('signature'),
      contentDigest: header('content-digest'),
      body: request.body,
    });
    if ('problem' in parsed) throw new AuthFailure({ kind: parsed.problem });
    const found = this.participants.byKeyId(parsed.keyId);
    if (!found) throw new AuthFailure({ kind: 'UNKNOWN_KEY', keyId: parsed.keyId });
    const parts: SignedRequestParts = {
      method: request.method,
      path: request.path,
      query: request.query ?? '',
      body: request.body,
      created: parsed.created,
      keyId: parsed.keyId,
      ...(parsed.nonce ? { nonce: parsed.nonce } : {}),
    };
    if (!verifyRequestSignature(found.publicKey, parts, parsed.signature)) {
      throw new AuthFailure({ kind: 'INVALID_SIGNATURE' });
    }
    const ageS = request.nowMs / 1000 - parsed.created;
    if (ageS > this.maxAgeS || ageS < -60) {
      throw new AuthFailure({ kind: 'STALE_SIGNATURE', ageS, maxAgeS: this.maxAgeS });
    }
    // One command: remember the signature (replay protection) and count the request in the participant's
    // current one-second window (rate limit).
    const rateKey = `${this.keyPrefix}rate:${found.participant.id}:${Math.floor(request.nowMs / 1000)}`;
    const [fresh, count] = await this.redis.concordAdmit(
      `${this.keyPrefix}sig:${parsed.signature}`,
      rateKey,
      this.maxAgeS + 60,
    );
    // Every method: a replayed read would let whoever saw a request fetch its answer again for as long as
    // the signature is fresh. Clients that sign the same read twice in one second add a nonce (the SDK
    // always does).
    if (fresh !== 1) {
      throw new AuthFailure({ kind: 'REPLAYED_REQUEST' });
    }
    if (count > this.ratePerSecond) {
      this.metrics?.rateLimited.inc({ participant: found.participant.id });
      throw new AuthFailure({ kind: 'RATE_LIMITED', perSecond: this.ratePerSecond });
    }
    if (!statusAllows(found.participant.status, request.method, request.path)) {
      const { id, status } = found.participant;
      throw new AuthFailure({ kind: 'PARTICIPANT_NOT_ACTIVE', participant: id, status });
    }
    return {
      participant: found.participant,
      keyId: parsed.keyId,
      created: parsed.created,
      signature: parsed.signature,
      signed: parts,
    };
  }
}
