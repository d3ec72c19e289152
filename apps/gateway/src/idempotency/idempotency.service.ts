import { createHash } from 'node:crypto';
import { IdempotencyFailure } from './idempotency.errors';
import { IdempotencyRepository } from './idempotency.repository';

/** The header, as Node lower-cases it. */
export const IDEMPOTENCY_HEADER = 'idempotency-key';

/** 1 to 255 characters of letters, digits and `- _ . :`: a UUID, a ULID or the caller's own reference. */
const KEY_PATTERN = /^[A-Za-z0-9._:-]{1,255}$/;

/** A response as it was sent, to be sent again for the same key. */
export interface StoredResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/** What to do with a request that carries a valid key. */
export type IdempotencyBegin =
  | { kind: 'run'; finish: (response: StoredResponse | undefined) => Promise<void> }
  | { kind: 'replay'; response: StoredResponse };

interface IdempotencyRecord {
  /** Fingerprint of method, path and body. */
  f: string;
  /** Set while the first request runs. */
  pending?: true;
  response?: StoredResponse;
}

export interface IdempotencySettings {
  /** How long a response is kept for its key (README: 24 h by default). */
  ttlS: number;
  /**
   * How long a claim holds when its request never answers (the process died): longer than any request
   * may take, so that a slow request is never run twice, and short enough that a retry after a crash
   * runs within a minute or two.
   */
  claimTtlMs: number;
}

/**
 * `Idempotency-Key` on every POST of /v1: the same participant, key, method, path and body get the first
 * response (status and body) again; the same key with another method, path or body gets 409
 * `IDEMPOTENCY_KEY_REUSED`; a second request while the first runs gets 409 `IDEMPOTENCY_KEY_IN_PROGRESS`
 * (it is not made to wait: it would hold a connection for as long as the first request's `?wait=`).
 * The query string is not part of the comparison, so a retry may ask for another `?wait=`.
 */
export class IdempotencyService {
  constructor(
    private readonly repository: IdempotencyRepository,
    private readonly settings: IdempotencySettings,
  ) {}

  /** The key of a request, or an INVALID_KEY failure; undefined when the request carries none. */
  static parseKey(header: string | string[] | undefined): string | undefined {
    if (header === undefined) return undefined;
    if (Array.isArray(header) || !KEY_PATTERN.test(header)) {
      throw new IdempotencyFailure({
        kind: 'INVALID_KEY',
        reason: 'one key of 1 to 255 letters, digits, "-", "_", "." or ":"',
      });
    }
    return header;
  }

  async begin(
    participantId: string,
    key: string,
    request: { method: string; path: string; body: string },
  ): Promise<IdempotencyBegin> {
    const fingerprint = createHash('sha256')
      .update(`${request.method} ${request.path}\n`)
      .update(request.body)
      .digest('base64url');
    const claim: IdempotencyRecord = { f: fingerprint, pending: true };
    const found = await this.repository.claim(
      participantId,
      key,
      JSON.stringify(claim),
      this.settings.claimTtlMs,
    );
    if (found === undefined) {
      return {
        kind: 'run',
        finish: async (response) => {
          if (response === undefined) return this.repository.release(participantId, key);
          const record: IdempotencyRecord = { f: fingerprint, response };
          await this.repository.complete(participantId, key, JSON.stringify(record), this.settings.ttlS);
        },
      };
    }
    const record = JSON.parse(found) as IdempotencyRecord;
    if (record.f !== fingerprint) throw new IdempotencyFailure({ kind: 'KEY_REUSED' });
    if (!record.response) throw new IdempotencyFailure({ kind: 'IN_PROGRESS' });
    return { kind: 'replay', response: record.response };
  }
}
