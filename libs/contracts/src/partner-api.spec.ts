import {
  decodePageCursor,
  encodePageCursor,
  transferListQuerySchema,
  transferStatusSchema,
  TRANSFER_VIEW_STATUSES,
  waitQuerySchema,
  WEBHOOK_EVENTS,
  createWebhookSchema,
} from './index';

describe('the partner API contract', () => {
  it("shows a transfer's status as `accepted` or one of the ledger's statuses, one list", () => {
    expect(TRANSFER_VIEW_STATUSES).toEqual(['accepted', ...transferStatusSchema.options]);
    expect(transferListQuerySchema.safeParse({ status: 'accepted' }).success).toBe(true);
    expect(transferListQuerySchema.safeParse({ status: 'pending' }).success).toBe(false);
  });

  it('pages with cursors it made itself, and refuses any other', () => {
    const at = new Date('2026-12-01T10:00:00.000Z');
    const cursor = encodePageCursor(at, 't-42');
    expect(decodePageCursor(cursor)).toEqual({ createdAt: at, id: 't-42' });
    expect(decodePageCursor('bm90LWpzb24')).toBeUndefined();
    expect(transferListQuerySchema.parse({ cursor })).toEqual({ cursor, limit: 50 });
    const refused = transferListQuerySchema.safeParse({ cursor: 'bm90LWpzb24' });
    expect(refused.error?.issues.map((i) => i.path.join('.'))).toEqual(['cursor']);
  });

  it('takes ?wait= as a whole number of milliseconds', () => {
    for (const ok of ['0', '2000', '999999'])
      expect(waitQuerySchema.safeParse({ wait: ok }).success).toBe(true);
    for (const bad of ['-1', '1.5', '1e3', '1000000', ''])
      expect(waitQuerySchema.safeParse({ wait: bad }).success).toBe(false);
  });

  it('subscribes webhooks to known events only, each once', () => {
    const url = 'https://partner.example/hooks';
    expect(createWebhookSchema.safeParse({ url, events: [...WEBHOOK_EVENTS] }).success).toBe(true);
    expect(createWebhookSchema.safeParse({ url, events: ['transfer.accepted'] }).success).toBe(false);
    expect(createWebhookSchema.safeParse({ url, events: ['limit.alarm', 'limit.alarm'] }).success).toBe(
      false,
    );
  });
});
