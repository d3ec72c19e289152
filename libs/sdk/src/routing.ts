import type {
  CorridorView,
  CreatedOrderWebhookView,
  CreateOrderWebhook,
  OrderWebhookDeliveryView,
  OrderWebhookEvent,
  OrderWebhookView,
  OfferInput,
  OfferView,
  OrderListQuery,
  OrderRequest,
  OrderView,
  RouteRequest,
  RoutesAnswer,
} from '@concord/contracts';
import { ApiResponse, ConcordClient, ConcordClientOptions } from './client';

export type {
  CorridorView,
  CreatedOrderWebhookView,
  CreateOrderWebhook,
  OfferInput,
  OfferView,
  OrderRequest,
  OrderView,
  OrderWebhookDeliveryView,
  OrderWebhookEvent,
  OrderWebhookView,
  RouteRequest,
  RoutesAnswer,
};

/**
 * The routing API's client (apps/routing): apps ask for routes and send orders; payout partners publish
 * offers. Requests are signed like the settlement API's, with the member's own key; `baseUrl` is the
 * routing service's address.
 */
export class RoutingClient {
  private readonly http: ConcordClient;

  constructor(options: ConcordClientOptions) {
    this.http = new ConcordClient(options);
  }

  corridors(): Promise<ApiResponse<{ corridors: CorridorView[] }>> {
    return this.http.request('GET', '/v1/corridors');
  }

  /** Ranked options, each with what the recipient gets, the cost in parts and a signed FX quote. */
  routes(request: RouteRequest): Promise<ApiResponse<RoutesAnswer>> {
    return this.http.request('POST', '/v1/routes', request);
  }

  /** An order for an option (or `auto`); the same `idempotencyKey` and body answer the first order again. */
  createOrder(order: OrderRequest & { idempotencyKey: string }): Promise<ApiResponse<OrderView>> {
    return this.http.request('POST', '/v1/orders', order, { idempotencyKey: order.idempotencyKey });
  }

  getOrder(id: string): Promise<ApiResponse<OrderView>> {
    return this.http.request('GET', `/v1/orders/${encodeURIComponent(id)}`);
  }

  listOrders(
    query: Partial<OrderListQuery> = {},
  ): Promise<ApiResponse<{ orders: OrderView[]; nextCursor: string | null }>> {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
    return this.http.request('GET', `/v1/orders${params.size ? `?${params}` : ''}`);
  }

  /** Waits until the order is paid out, failed or refunded (or `timeoutMs` passes), polling. */
  async waitForOrder(id: string, timeoutMs = 60_000, pollMs = 200): Promise<OrderView> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { body } = await this.getOrder(id);
      if (['paid_out', 'failed', 'refunded'].includes(body.state) || Date.now() > deadline) return body;
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }

  /** A payout partner publishes the next version of one of its offers. */
  publishOffer(offerId: string, offer: OfferInput): Promise<ApiResponse<OfferView>> {
    return this.http.request('POST', `/v1/offers/${encodeURIComponent(offerId)}`, offer);
  }

  withdrawOffer(offerId: string): Promise<ApiResponse<OfferView>> {
    return this.http.request('DELETE', `/v1/offers/${encodeURIComponent(offerId)}`);
  }

  offers(): Promise<ApiResponse<{ offers: OfferView[] }>> {
    return this.http.request('GET', '/v1/offers');
  }

  /**
   * Subscribes a URL to the app's order events (all of them, or `events`); the answer holds the HMAC
   * secret, shown this once. Check each request with `ConcordClient.verifyWebhookSignature`.
   */
  createWebhook(webhook: CreateOrderWebhook): Promise<ApiResponse<CreatedOrderWebhookView>> {
    return this.http.request('POST', '/v1/webhooks', webhook);
  }

  listWebhooks(): Promise<ApiResponse<{ webhooks: OrderWebhookView[] }>> {
    return this.http.request('GET', '/v1/webhooks');
  }

  deleteWebhook(id: string): Promise<ApiResponse<undefined>> {
    return this.http.request('DELETE', `/v1/webhooks/${encodeURIComponent(id)}`);
  }

  /** A webhook's deliveries, newest first, with their attempts; `status: 'dead'` lists the dead letters. */
  webhookDeliveries(
    id: string,
    query: { status?: OrderWebhookDeliveryView['status']; limit?: number } = {},
  ): Promise<ApiResponse<{ deliveries: OrderWebhookDeliveryView[] }>> {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
    return this.http.request(
      'GET',
      `/v1/webhooks/${encodeURIComponent(id)}/deliveries${params.size ? `?${params}` : ''}`,
    );
  }

  /** The public key an app adds to its keys so that routing may send its order transfers. */
  routingKey(): Promise<ApiResponse<{ publicKey: string }>> {
    return this.http.request('GET', '/v1/routing-key');
  }
}
