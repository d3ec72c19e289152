import { randomBytes } from 'node:crypto';
import {
  CreatedWebhookView,
  createWebhookSchema,
  deliveriesQuerySchema,
  DeliveryView,
  WebhookView,
  parseJsonBody,
} from '@concord/contracts';
import type { KnownParticipant } from '../auth/participants.repository';
import { toDeliveryView, toWebhookView, WEBHOOK_ID } from './webhooks.dto';
import { fieldErrors } from '../problems/problem';
import { WebhookFailure } from './webhooks.errors';
import { WebhooksRepository } from './webhooks.repository';
import { refusedWebhookHost } from './webhook-url';

/** A partner's webhook subscriptions: each sees, changes and reads the delivery log of its own only. */
export class WebhooksService {
  constructor(
    private readonly repository: WebhooksRepository,
    private readonly maxPerParticipant: number,
    /** GATEWAY_WEBHOOK_ALLOW_PRIVATE_URLS: loopback and private receivers (a network on one machine). */
    private readonly allowPrivateUrls = false,
  ) {}

  async create(caller: KnownParticipant, body: string): Promise<CreatedWebhookView> {
    const json = parseJsonBody(body);
    if (!json.ok) throw new WebhookFailure({ kind: 'INVALID_BODY', errors: [json.error] });
    const parsed = createWebhookSchema.safeParse(json.value);
    if (!parsed.success) {
      throw new WebhookFailure({ kind: 'INVALID_BODY', errors: fieldErrors(parsed.error.issues, '(body)') });
    }
    const refused = this.allowPrivateUrls ? undefined : refusedWebhookHost(parsed.data.url);
    if (refused) throw new WebhookFailure({ kind: 'URL_NOT_ALLOWED', reason: refused });
    const row = await this.repository.createWithinCap(
      {
        id: `wh_${randomBytes(16).toString('hex')}`,
        participantId: caller.id,
        url: parsed.data.url,
        events: parsed.data.events,
        format: parsed.data.format,
        secret: `whsec_${randomBytes(32).toString('base64url')}`,
      },
      this.maxPerParticipant,
    );
    if (!row) throw new WebhookFailure({ kind: 'TOO_MANY_WEBHOOKS', max: this.maxPerParticipant });
    return { ...toWebhookView(row), secret: row.secret };
  }

  async list(caller: KnownParticipant): Promise<WebhookView[]> {
    return (await this.repository.listActive(caller.id)).map(toWebhookView);
  }

  async delete(caller: KnownParticipant, id: string): Promise<void> {
    if (!WEBHOOK_ID.test(id) || !(await this.repository.softDelete(caller.id, id))) {
      throw new WebhookFailure({ kind: 'NOT_FOUND', id });
    }
  }

  async deliveries(
    caller: KnownParticipant,
    id: string,
    query: Record<string, unknown>,
  ): Promise<DeliveryView[]> {
    const parsed = deliveriesQuerySchema.safeParse(query);
    if (!parsed.success) {
      throw new WebhookFailure({
        kind: 'INVALID_QUERY',
        errors: fieldErrors(parsed.error.issues, '(query)'),
      });
    }
    // A deleted subscription's log stays readable by its owner: what was sent, and what was cancelled.
    if (!WEBHOOK_ID.test(id) || !(await this.repository.findOwn(caller.id, id))) {
      throw new WebhookFailure({ kind: 'NOT_FOUND', id });
    }
    const rows = await this.repository.deliveries(id, parsed.data.limit, parsed.data.status);
    return rows.map((r) => toDeliveryView(r.delivery, r.attempts));
  }
}
