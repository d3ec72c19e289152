import type { z } from 'zod';
import type {
  AccountView,
  BalanceProofView,
  ConfirmationView,
  CreateConfirmation,
  CreatedWebhookView,
  CreateWebhook,
  deliveriesQuerySchema,
  DeliveryView,
  LimitAlarmView,
  ParticipantView,
  QuoteAnswer as QuoteAnswerOf,
  QuoteBreakdownView,
  QuoteRateLeg,
  QuoteRateView,
  QuoteRequest,
  settlementInstructionListQuerySchema,
  SettlementInstructionDetailView,
  SettlementInstructionEventView,
  SettlementInstructionView,
  StatementQuery,
  StatementView,
  transferInstructionSchema,
  transferListQuerySchema,
  TransferView,
  WebhookEvent as WebhookEventOf,
  WebhookEventType,
  WebhookView,
} from '@concord/contracts';
import {
  base64url,
  bytesToHex,
  defaultPlatform,
  hexToBytes,
  Platform,
  signedRequestHeaders,
  utf8,
  uuid,
} from './platform';

export interface ConcordClientOptions {
  baseUrl: string;
  keyId: string;
  /** The partner's Ed25519 private key as a 32-byte hex seed. */
  seedHex: string;
  /**
   * Attempts of one call (default 3): a GET, or a POST (which always carries an Idempotency-Key), is
   * tried again after a network error or a 502, 503 or 504, with exponential backoff; any request is
   * tried again after a 429 (the gateway refused it before doing anything), after its Retry-After.
   */
  attempts?: number;
  /** Delay before the second attempt after a network error or a 5xx, doubled before each further one (100). */
  backoffMs?: number;
  /** The longest Retry-After the client waits for; a longer one ends the retries (default 30 s). */
  maxRetryAfterMs?: number;
  /**
   * How long one attempt waits for the answer (default 30 s); past it the attempt fails as a network error
   * does (tried again if the call is safe to retry, else a TimeoutError).
   */
  timeoutMs?: number;
  /** The runtime's crypto and HTTP (default: the entry point's, node:crypto and node:http or noble and fetch). */
  platform?: Platform;
}

/**
 * For a payee's calls on a transfer: the payer whose transfer `id` is (transfer ids are unique per payer,
 * so two payers may have used the same id); sent as `?payer=`.
 */
export interface TransferRef {
  payer?: string;
}

/** Per-call options of the writes: the Idempotency-Key to send (a fresh UUID by default). */
export interface WriteOptions {
  idempotencyKey?: string;
}

export interface ApiResponse<T> {
  status: number;
  body: T;
  headers: Headers;
}

/**
 * A signed FX quote as the SDK passes it on: the fields a client reads, the rest kept as it came (the
 * contract's FxQuote is stricter; the client never builds one, it forwards what createQuote answered).
 */
export type FxQuote = Record<string, unknown> & {
  id: string;
  sourceCurrency: string;
  targetCurrency: string;
  sendAmount: string;
  receiveAmount: string;
  fee: string;
  totalCost: string;
  expiresAtMs: number;
};

/**
 * The answer of `POST /v1/quotes`: the signed quote (put it as it is in the transfer), the rates it rests on
 * (`ageing` when the FX service's rate refresh is failing and they are the last good ones) and its total
 * cost in parts, decimal strings in the source currency (the types of libs/contracts).
 */
export type QuoteAnswer = QuoteAnswerOf<FxQuote>;
export type { QuoteBreakdownView, QuoteRateLeg, QuoteRateView };

/** The API's types, all `z.infer` of the contract's schemas (libs/contracts, partner-api.ts). */
export type TransferRequest = Omit<z.input<typeof transferInstructionSchema>, 'quote'> & {
  /** A quote from createQuote: makes the transfer cross-currency. */
  quote?: FxQuote;
};
export type Transfer = TransferView;
export type TransferListQuery = Partial<z.infer<typeof transferListQuerySchema>>;
export type Participant = ParticipantView;
export type Account = AccountView;
export type BalanceProof = BalanceProofView;
export type { QuoteRequest, WebhookEventType };
export type Webhook = WebhookView;
export type WebhookDelivery = DeliveryView;
export type WebhookDeliveryQuery = Partial<z.infer<typeof deliveriesQuerySchema>>;
/** The body of a webhook request (verify `Concord-Signature` first: ConcordClient.verifyWebhookSignature). */
export type WebhookEvent = WebhookEventOf;
export type SettlementInstructionEvent = SettlementInstructionEventView;
/** One of the caller's settlement instructions as `GET /v1/settlement-instructions` lists it. */
export type SettlementInstruction = SettlementInstructionView;
/** A bank reference of an instruction: a recorded confirmation, its reversal, or a participant's request. */
export type SettlementConfirmation = ConfirmationView;
export type SettlementInstructionQuery = Partial<z.infer<typeof settlementInstructionListQuerySchema>>;
export type LimitAlarmEvent = LimitAlarmView;
export type Statement = StatementView;

/**
 * A partner's client for the Concord settlement API. It signs every request (RFC 9421 profile described in
 * the README) and retries only what is safe to retry: reads, and writes under one Idempotency-Key per
 * call (transfers carry the caller's id too), so a retry after a timeout can never pay twice.
 */
export class ConcordClient {
  private readonly seed: Uint8Array;
  private readonly platform: Platform;

  constructor(private readonly options: ConcordClientOptions) {
    this.platform = options.platform ?? defaultPlatform();
    this.seed = hexToBytes(options.seedHex);
    if (this.seed.length !== 32) throw new RangeError('an Ed25519 seed is 32 bytes (64 hex characters)');
  }

  /** The public key of the client's seed (hex), as the network knows the partner's key. */
  get publicKeyHex(): string {
    return bytesToHex(this.platform.publicKey(this.seed));
  }

  /**
   * A signed request. A POST carries an Idempotency-Key (`options.idempotencyKey`, or a UUID made once
   * for this call), and every retry of the call sends the same key, so that the gateway answers a retry
   * of a write that did arrive with its first response instead of running it again.
   */
  async request<T>(
    method: 'GET' | 'POST' | 'DELETE',
    pathAndQuery: string,
    body?: unknown,
    options: WriteOptions = {},
  ): Promise<ApiResponse<T>> {
    const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
    const response = await this.send(method, pathAndQuery, text, 'application/json', options);
    return {
      status: response.status,
      body: (response.body ? JSON.parse(response.body) : undefined) as T,
      headers: response.headers,
    };
  }

  /** Sends one call with the retry rules of ConcordClientOptions.attempts; the body comes back as text. */
  private async send(
    method: 'GET' | 'POST' | 'DELETE',
    pathAndQuery: string,
    text: string,
    accept: string,
    options: WriteOptions,
  ): Promise<ApiResponse<string>> {
    const [path, ...rest] = pathAndQuery.split('?');
    const query = rest.join('?');
    const attempts = this.options.attempts ?? 3;
    const backoffMs = this.options.backoffMs ?? 100;
    const maxRetryAfterMs = this.options.maxRetryAfterMs ?? 30_000;
    const idempotencyKey = method === 'POST' ? (options.idempotencyKey ?? uuid(this.platform)) : undefined;
    // A DELETE is not retried after a failure: the gateway may have done it, and a second one answers 404.
    const safe = method === 'GET' || idempotencyKey !== undefined;
    for (let attempt = 1; ; attempt++) {
      // Each attempt is signed afresh: the gateway refuses a replayed signature.
      const headers: Record<string, string> = {
        ...signedRequestHeaders(this.platform, this.seed, {
          method,
          path,
          query,
          body: text,
          created: Math.floor(Date.now() / 1000),
          keyId: this.options.keyId,
          nonce: base64url(this.platform.randomBytes(12)),
        }),
        accept,
      };
      if (text !== '') headers['content-type'] = 'application/json';
      if (idempotencyKey !== undefined) headers['idempotency-key'] = idempotencyKey;
      let response: ApiResponse<string>;
      try {
        response = await this.platform.exchange({
          method,
          url: this.options.baseUrl + pathAndQuery,
          headers,
          body: text,
          timeoutMs: this.options.timeoutMs ?? 30_000,
        });
      } catch (error) {
        if (!safe || attempt >= attempts) throw error;
        await sleep(backoffMs * 2 ** (attempt - 1));
        continue;
      }
      if (attempt < attempts) {
        const delayMs = retryDelayMs(response, safe, backoffMs * 2 ** (attempt - 1));
        if (delayMs !== undefined && delayMs <= maxRetryAfterMs) {
          await sleep(delayMs);
          continue;
        }
      }
      return response;
    }
  }

  createTransfer(transfer: TransferRequest, options: { waitMs?: number } & WriteOptions = {}) {
    const query = options.waitMs ? `?wait=${options.waitMs}` : '';
    return this.request<Transfer>('POST', `/v1/transfers${query}`, transfer, options);
  }

  createTransferBatch(transfers: TransferRequest[], options: { waitMs?: number } & WriteOptions = {}) {
    const query = options.waitMs ? `?wait=${options.waitMs}` : '';
    return this.request<{ transfers: Transfer[] }>(
      'POST',
      `/v1/transfer-batches${query}`,
      { transfers },
      options,
    );
  }

  listTransfers(query: TransferListQuery = {}) {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
    const suffix = params.size ? `?${params}` : '';
    return this.request<{ transfers: Transfer[]; nextCursor: string | null }>(
      'GET',
      `/v1/transfers${suffix}`,
    );
  }

  /**
   * A signed, time-limited FX quote with the rates behind it and its cost in parts; pass `body.quote`,
   * as it is, as `quote` in createTransfer, with its send amount.
   */
  createQuote(request: QuoteRequest, options: WriteOptions = {}) {
    return this.request<QuoteAnswer>('POST', '/v1/quotes', request, options);
  }

  me() {
    return this.request<Participant>('GET', '/v1/participants/me');
  }

  accounts() {
    return this.request<{ accounts: Account[] }>('GET', '/v1/accounts');
  }

  /** A balance with its Merkle proof and certified header; check it with `verifyBalanceProof` (libs/crypto). */
  balanceProof(accountId: string) {
    return this.request<BalanceProof>('GET', `/v1/accounts/${accountId}/proof`);
  }

  /** The payee confirms the payout of a reserved two-phase transfer (of `payer`, when given). */
  fulfilTransfer(id: string, options: { waitMs?: number } & WriteOptions & TransferRef = {}) {
    const query = queryString({ wait: options.waitMs || undefined, payer: options.payer });
    return this.request<Transfer>(
      'POST',
      `/v1/transfers/${encodeURIComponent(id)}/fulfil${query}`,
      {},
      options,
    );
  }

  /** The payer or the payee (naming the `payer`, when given) releases a reserved two-phase transfer. */
  abortTransfer(id: string, options: { waitMs?: number } & WriteOptions & TransferRef = {}) {
    const query = queryString({ wait: options.waitMs || undefined, payer: options.payer });
    return this.request<Transfer>(
      'POST',
      `/v1/transfers/${encodeURIComponent(id)}/abort${query}`,
      {},
      options,
    );
  }

  /** A transfer of the caller; a payee may name the `payer` whose transfer `id` is. */
  getTransfer(id: string, options: { waitMs?: number } & TransferRef = {}) {
    const query = queryString({ wait: options.waitMs || undefined, payer: options.payer });
    return this.request<Transfer>('GET', `/v1/transfers/${encodeURIComponent(id)}${query}`);
  }

  /** Subscribes a URL to transfer events; the answer holds the signing secret, shown only this once. */
  createWebhook(webhook: CreateWebhook, options: WriteOptions = {}) {
    return this.request<CreatedWebhookView>('POST', '/v1/webhooks', webhook, options);
  }

  listWebhooks() {
    return this.request<{ webhooks: Webhook[] }>('GET', '/v1/webhooks');
  }

  deleteWebhook(id: string) {
    return this.request<undefined>('DELETE', `/v1/webhooks/${encodeURIComponent(id)}`);
  }

  /** A webhook's deliveries, newest first, each with the log of its attempts. */
  webhookDeliveries(id: string, query: WebhookDeliveryQuery = {}) {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
    const suffix = params.size ? `?${params}` : '';
    return this.request<{ deliveries: WebhookDelivery[] }>(
      'GET',
      `/v1/webhooks/${encodeURIComponent(id)}/deliveries${suffix}`,
    );
  }

  /** The caller's settlement instructions, newest first; `nextCursor` asks for the next page. */
  listSettlementInstructions(query: SettlementInstructionQuery = {}) {
    return this.request<{ instructions: SettlementInstruction[]; nextCursor: string | null }>(
      'GET',
      `/v1/settlement-instructions${queryString(query)}`,
    );
  }

  /** The same page as CSV (the body is the CSV text; the next page's cursor in the `Next-Cursor` header). */
  settlementInstructionsCsv(query: SettlementInstructionQuery = {}) {
    return this.requestText('GET', `/v1/settlement-instructions${queryString(query)}`, 'text/csv');
  }

  /** One of the caller's settlement instructions with its confirmations (404 for anyone else's). */
  getSettlementInstruction(id: string) {
    return this.request<SettlementInstructionDetailView>(
      'GET',
      `/v1/settlement-instructions/${encodeURIComponent(id)}`,
    );
  }

  /**
   * The payee confirms that (part of) a pay-out reached it, with the bank's reference: 202 while the
   * clearing service records it, 200 when that reference was already recorded with this amount.
   */
  confirmSettlement(id: string, confirmation: CreateConfirmation, options: WriteOptions = {}) {
    return this.request<SettlementInstructionDetailView>(
      'POST',
      `/v1/settlement-instructions/${encodeURIComponent(id)}/confirmations`,
      confirmation,
      options,
    );
  }

  /** A statement of one of the caller's accounts over [from, to) of block time, as JSON. */
  statement(query: StatementQuery) {
    return this.request<Statement>('GET', `/v1/statements?${new URLSearchParams(query)}`);
  }

  /** The same statement as ISO 20022 camt.053.001.08 XML (the body is the XML text). */
  statementXml(query: StatementQuery) {
    return this.requestText('GET', `/v1/statements?${new URLSearchParams(query)}`, 'application/xml');
  }

  /** A signed request whose answer is kept as text (XML), with the same retries as the others. */
  private requestText(method: 'GET', pathAndQuery: string, accept: string): Promise<ApiResponse<string>> {
    return this.send(method, pathAndQuery, '', accept, {});
  }

  /**
   * Checks a webhook request: `Concord-Signature: t=<unix s>,v1=<hex HMAC-SHA256(secret, t + "." + body)>`
   * over the raw body exactly as received, with `t` at most `toleranceS` from now.
   */
  static verifyWebhookSignature(
    secret: string,
    signatureHeader: string | undefined,
    rawBody: string,
    options: { toleranceS?: number; nowS?: number; platform?: Platform } = {},
  ): boolean {
    if (!signatureHeader) return false;
    const parts = signatureHeader.split(',').map((p) => p.trim().split('='));
    const t = parts.find(([k]) => k === 't')?.[1];
    const macs = parts.filter(([k, v]) => k === 'v1' && /^[0-9a-f]{64}$/.test(v ?? '')).map(([, v]) => v);
    if (!t || !/^\d{1,12}$/.test(t) || macs.length === 0) return false;
    const nowS = options.nowS ?? Math.floor(Date.now() / 1000);
    if (Math.abs(nowS - Number(t)) > (options.toleranceS ?? 300)) return false;
    const platform = options.platform ?? defaultPlatform();
    const expected = bytesToHex(platform.hmacSha256(utf8(secret), utf8(`${t}.${rawBody}`)));
    return macs.some((m) => constantTimeEqual(m, expected));
  }
}

/**
 * How long to wait before trying a call again, or undefined when its answer is final: a 429 (any method)
 * or a 409 IDEMPOTENCY_KEY_IN_PROGRESS after its Retry-After (seconds or an HTTP date; 1 s without one),
 * a 502, 503 or 504 of a safe call after the Retry-After or else the backoff.
 */
function retryDelayMs(response: ApiResponse<string>, safe: boolean, backoffMs: number): number | undefined {
  const inProgress =
    response.status === 409 && safe && response.body.includes('"IDEMPOTENCY_KEY_IN_PROGRESS"');
  const unavailable = safe && [502, 503, 504].includes(response.status);
  if (response.status !== 429 && !inProgress && !unavailable) return undefined;
  const retryAfter = parseRetryAfterMs(response.headers.get('retry-after'));
  return retryAfter ?? (unavailable ? backoffMs : 1000);
}

/** `Retry-After: <seconds>` or `Retry-After: <HTTP date>` in milliseconds from now. */
function parseRetryAfterMs(value: string | null): number | undefined {
  if (value === null) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/** Compares two strings of the same alphabet in time independent of where they differ. */
function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** `?a=1&b=2` of the defined values, or nothing. */
function queryString(query: object): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
  return params.size ? `?${params}` : '';
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
