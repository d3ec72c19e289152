import {
  decodePageCursor,
  encodePageCursor,
  transferListQuerySchema,
  transferStatusSchema,
  TRANSFER_VIEW_STATUSES,
  waitQuerySchema,
  WEBHOOK_EVENTS,
  createWebhookSchema,
  settlementInstructionListQuerySchema,
  statementQuerySchema,
} from './index';

describe('the partner API contract', () => {
  it("shows a transfer's status as `accepted`, `held` or one of the ledger's statuses, one list", () => {
    expect(TRANSFER_VIEW_STATUSES).toEqual(['accepted', 'held', ...transferStatusSchema.options]);
    expect(transferListQuerySchema.safeParse({ status: 'accepted' }).success).toBe(true);
    expect(transferListQuerySchema.safeParse({ status: 'held' }).success).toBe(true);
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

  it('takes query times only in the range the database and the ledger hold, naming the field', () => {
    const account = 'hk-remit/USD';
    const fields = (r: { error?: { issues: { path: PropertyKey[] }[] } }) =>
      r.error?.issues.map((i) => i.path.join('.'));
    // PostgreSQL refuses year 0 (error 22008); JavaScript dates reach year 275760, PostgreSQL's do not.
    for (const bad of ['0000-01-01T00:00:00Z', '1969-12-31T23:59:59Z', '10000-01-01T00:00:00Z']) {
      const statement = statementQuerySchema.safeParse({ account, from: bad, to: '2026-12-31T00:00:00Z' });
      expect(fields(statement)).toEqual(['from']);
      expect(fields(transferListQuerySchema.safeParse({ to: bad }))).toEqual(['to']);
    }
    for (const ok of ['1970-01-01T00:00:00Z', '9999-12-31T23:59:59.999Z', '2026-12-01T10:00:00+08:00']) {
      expect(transferListQuerySchema.safeParse({ from: ok }).success).toBe(true);
    }
    // A cursor is the API's own, but a partner can forge one: its time and id are held to the same range.
    const forged = (at: string, id: string) => Buffer.from(JSON.stringify([at, id])).toString('base64url');
    expect(decodePageCursor(forged('0000-01-01T00:00:00.000Z', 't-1'))).toBeUndefined();
    expect(decodePageCursor(forged('2026-12-01T10:00:00.000Z', 't\u0000'))).toBeUndefined();
    const cursor = forged('+100000-01-01T00:00:00.000Z', 't-1');
    expect(fields(settlementInstructionListQuerySchema.safeParse({ cursor }))).toEqual(['cursor']);
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
