import { webhookDeliveryEventSchema } from '@concord/contracts';
import { deliveryEvent } from './delivery-events';
import type { DeliveryRow } from './webhooks.repository';

describe('webhook delivery events for the console', () => {
  const delivery = {
    id: 'd-1',
    webhookId: 'wh_1',
    participantId: 'hk-remit',
    event: 'transfer.committed',
  } as DeliveryRow;
  const at = new Date('2026-12-08T00:00:00.000Z');

  it('says delivered, failed (to be retried) or dead, with the status or the error', () => {
    const retried = deliveryEvent(
      delivery,
      { attempt: 1, error: 'ECONNREFUSED', durationMs: 3.4, at },
      'pending',
    );
    expect(retried).toEqual({
      deliveryId: 'd-1',
      webhookId: 'wh_1',
      participantId: 'hk-remit',
      event: 'transfer.committed',
      attempt: 1,
      outcome: 'failed',
      statusCode: null,
      error: 'ECONNREFUSED',
      durationMs: 3,
      at: at.toISOString(),
    });
    expect(deliveryEvent(delivery, { attempt: 6, statusCode: 500, durationMs: 9, at }, 'dead')).toMatchObject(
      {
        outcome: 'dead',
        statusCode: 500,
        error: null,
      },
    );
    const ok = deliveryEvent(delivery, { attempt: 2, statusCode: 204, durationMs: 1, at }, 'delivered');
    expect(webhookDeliveryEventSchema.parse(ok)).toEqual(ok);
    expect(
      deliveryEvent(delivery, { attempt: 1, error: 'x'.repeat(900), durationMs: 1, at }, 'pending').error,
    ).toHaveLength(500);
  });
});
