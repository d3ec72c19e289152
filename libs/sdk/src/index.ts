import { randomBytes } from 'node:crypto';
import { signingKeyFromSeed, signRequest, SigningKey } from '@concord/crypto';

export interface ConcordClientOptions {
  baseUrl: string;
  keyId: string;
  /** The partner's Ed25519 private key as a 32-byte hex seed. */
  seedHex: string;
  /** Attempts for a request that failed with a network error, 429 or 503 (default 3). */
  attempts?: number;
}

export interface ApiResponse<T> {
  status: number;
  body: T;
  headers: Headers;
}

export interface TransferRequest {
  id: string;
  payer: string;
  payee: string;
  amount: string;
  currency: string;
  twoPhase?: boolean;
  expiresInMs?: number;
}

export interface Transfer {
  id: string;
  status: 'accepted' | 'committed' | 'reserved' | 'fulfilled' | 'aborted' | 'expired' | 'rejected';
  reason?: string;
  payer: string;
  payee: string;
  amount: string;
  currency: string;
  twoPhase: boolean;
  blockHeight?: number;
  createdAt: string;
  finalizedAt?: string;
}

export interface Account {
  id: string;
  currency: string;
  kind: string;
  balance: string;
  reserved: string;
  available: string;
  asOfHeight: number;
}

export interface BalanceProof {
  account: { id: string; balanceMinor: string; reservedMinor: string; balance: string; currency: string };
  proof: { hash: string; left: boolean }[];
  header: { stateRoot: string; height: number } & Record<string, unknown>;
  headerHash: string;
  certificate: { signerId: string; signature: string }[];
  signers: { id: string; publicKey: string }[];
  quorum: number;
}

/**
 * A partner's client for the Concord settlement API. It signs every request (RFC 9421 profile described in
 * the README) and retries only what is safe to retry: transfers carry the caller's id, so a retry after
 * a timeout can never pay twice.
 */
export class ConcordClient {
  private readonly key: SigningKey;

  constructor(private readonly options: ConcordClientOptions) {
    this.key = signingKeyFromSeed(options.seedHex);
  }

  async request<T>(
    method: 'GET' | 'POST' | 'DELETE',
    pathAndQuery: string,
    body?: unknown,
  ): Promise<ApiResponse<T>> {
    const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
    const [path, ...rest] = pathAndQuery.split('?');
    const query = rest.join('?');
    const attempts = this.options.attempts ?? 3;
    for (let attempt = 1; ; attempt++) {
      // Each attempt is signed afresh: the gateway refuses a replayed signature.
      const headers: Record<string, string> = {
        ...signRequest(this.key, {
          method,
          path,
          query,
          body: text,
          created: Math.floor(Date.now() / 1000),
          keyId: this.options.keyId,
          nonce: randomBytes(12).toString('base64url'),
        }),
        accept: 'application/json',
      };
      if (text !== '') headers['content-type'] = 'application/json';
      try {
        const response = await fetch(this.options.baseUrl + pathAndQuery, {
          method,
          headers,
          body: text === '' ? undefined : text,
        });
        const raw = await response.text();
        const retriable = response.status === 429 || response.status === 503;
        if (retriable && attempt < attempts) {
          await sleep(Number(response.headers.get('retry-after') ?? '1') * 1000);
          continue;
        }
        return {
          status: response.status,
          body: (raw ? JSON.parse(raw) : undefined) as T,
          headers: response.headers,
        };
      } catch (error) {
        if (attempt >= attempts) throw error;
        await sleep(100 * 2 ** attempt);
      }
    }
  }

  createTransfer(transfer: TransferRequest, options: { waitMs?: number } = {}) {
    const query = options.waitMs ? `?wait=${options.waitMs}` : '';
    return this.request<Transfer>('POST', `/v1/transfers${query}`, transfer);
  }

  createTransferBatch(transfers: TransferRequest[], options: { waitMs?: number } = {}) {
    const query = options.waitMs ? `?wait=${options.waitMs}` : '';
    return this.request<{ transfers: Transfer[] }>('POST', `/v1/transfer-batches${query}`, { transfers });
  }

  listTransfers(
    query: {
      role?: 'payer' | 'payee';
      status?: string;
      currency?: string;
      limit?: number;
      cursor?: string;
    } = {},
  ) {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
    const suffix = params.size ? `?${params}` : '';
    return this.request<{ transfers: Transfer[]; nextCursor: string | null }>(
      'GET',
      `/v1/transfers${suffix}`,
    );
  }

  me() {
    return this.request<{ id: string; name: string; status: string; currencies: string[]; keyId: string }>(
      'GET',
      '/v1/participants/me',
    );
  }

  accounts() {
    return this.request<{ accounts: Account[] }>('GET', '/v1/accounts');
  }

  /** A balance with its Merkle proof and certified header; check it with `verifyBalanceProof` (libs/crypto). */
  balanceProof(accountId: string) {
    return this.request<BalanceProof>('GET', `/v1/accounts/${accountId}/proof`);
  }

  getTransfer(id: string, options: { waitMs?: number } = {}) {
    const query = options.waitMs ? `?wait=${options.waitMs}` : '';
    return this.request<Transfer>('GET', `/v1/transfers/${encodeURIComponent(id)}${query}`);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
