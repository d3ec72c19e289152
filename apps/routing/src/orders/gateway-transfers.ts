import { ConcordClient } from '@concord/sdk';
import type { Directory } from '../participants/directory';

/** What the gateway answered a transfer or an abort: accepted (the ledger decides), or refused at once. */
export type GatewayAnswer =
  | { kind: 'accepted' }
  | { kind: 'refused'; code: string; detail: string }
  /** Unreachable, or a 5xx or 429: try again later, the same request. */
  | { kind: 'retry'; detail: string };

/**
 * Sends an app's order transfers through the gateway's partner API, signed with the key the app delegated
 * to routing. The gateway checks them as any partner's and appends them to the ledger's command log; every
 * signer checks the signature again against the app's keys.
 */
export class GatewayTransfers {
  private readonly clients = new Map<string, ConcordClient>();

  constructor(
    private readonly gatewayUrl: string,
    private readonly delegateSeedHex: string,
    private readonly directory: Directory,
  ) {}

  private client(appId: string): ConcordClient | null {
    const keyId = this.directory.delegatedKeyId(appId);
    if (!keyId) return null;
    const known = this.clients.get(keyId);
    if (known) return known;
    const client = new ConcordClient({
      baseUrl: this.gatewayUrl,
      keyId,
      seedHex: this.delegateSeedHex,
      attempts: 2,
      backoffMs: 50,
    });
    this.clients.set(keyId, client);
    return client;
  }

  /** Sends the transfer body exactly as stored (a resend is the same bytes: the gateway answers it as a replay). */
  submit(appId: string, transferId: string, body: string): Promise<GatewayAnswer> {
    return this.post(appId, '/v1/transfers', body, transferId);
  }

  abort(appId: string, transferId: string): Promise<GatewayAnswer> {
    return this.post(
      appId,
      `/v1/transfers/${encodeURIComponent(transferId)}/abort`,
      '{}',
      `${transferId}:abort`,
    );
  }

  private async post(
    appId: string,
    path: string,
    body: string,
    idempotencyKey: string,
  ): Promise<GatewayAnswer> {
    const client = this.client(appId);
    if (!client)
      return { kind: 'refused', code: 'NO_DELEGATION', detail: `${appId} delegated no key to routing` };
    try {
      const r = await client.request<{ code?: string; detail?: string; title?: string }>('POST', path, body, {
        idempotencyKey,
      });
      if (r.status < 300) return { kind: 'accepted' };
      if (r.status === 429 || r.status >= 500) return { kind: 'retry', detail: `HTTP ${r.status}` };
      return {
        kind: 'refused',
        code: r.body?.code ?? String(r.status),
        detail: r.body?.detail ?? r.body?.title ?? '',
      };
    } catch (e) {
      return { kind: 'retry', detail: e instanceof Error ? e.message : String(e) };
    }
  }
}
