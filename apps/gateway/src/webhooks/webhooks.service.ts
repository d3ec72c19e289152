import { randomBytes } from 'node:crypto';
import type { KnownParticipant } from '../auth/participants.repository';
import {
  CreatedWebhookView,
  createWebhookSchema,
  deliveriesQuerySchema,
  DeliveryView,
  toDeliveryView,
  toWebhookView,
  WEBHOOK_ID,
  WebhookView,
} from './webhooks.dto';
import { fieldErrors, WebhookFailure } from './webhooks.errors';
import { WebhooksRepository } from './webhooks.repository';

/** A partner's webhook subscriptions: each sees, changes and reads the delivery log of its own only. */
export class WebhooksService {
  constructor(
    private readonly repository: WebhooksRepository,
    private readonly maxPerParticipant: number,
  ) {}

  async create(caller: KnownParticipant, body: string): Promise<CreatedWebhookView> {
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      throw new WebhookFailure({
        kind: 'INVALID_BODY',
        errors: [{ field: '(body)', message: 'not valid JSON' }],
      });
    }
    const parsed = createWebhookSchema.safeParse(json);
    if (!parsed.success) {
      throw new WebhookFailure({ kind: 'INVALID_BODY', errors: fieldErrors(parsed.error.issues, '(body)') });
    }
    if ((await this.repository.countActive(caller.id)) >= this.maxPerParticipant) {
      throw new WebhookFailure({ kind: 'TOO_MANY_WEBHOOKS', max: this.maxPerParticipant });
    }
    const row = await this.repository.create({
      id: `wh_${randomBytes(16).toString('hex')}`,
      participantId: caller.id,
      url: parsed.data.url,
      events: parsed.data.events,
      secret: `whsec_${randomBytes(32).toString('base64url')}`,
    });
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
    if (!WEBHOOK_ID.test(id) || !(await this.repository.findActive(caller.id, id))) {
      throw new WebhookFailure({ kind: 'NOT_FOUND', id });
    }
    const rows = await this.repository.deliveries(id, parsed.data.limit, parsed.data.status);
    return rows.map((r) => toDeliveryView(r.delivery, r.attempts));
  }
}
