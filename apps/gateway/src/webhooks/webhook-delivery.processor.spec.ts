import pino from 'pino';
import { Registry } from 'prom-client';
import { GatewayMetrics } from '../metrics/gateway.metrics';
import { verifyWebhookSignature } from './webhook-signature';
import { WebhookDeliveryProcessor } from './webhook-delivery.processor';
import type { DeliveryRow, WebhookRow, WebhooksRepository } from './webhooks.repository';

/** The processor against an in-memory repository and a scripted receiver. */
function setup(answers: (number | Error)[], webhook: Partial<WebhookRow> = {}, allowPrivateUrls = true) {
  const delivery: DeliveryRow = {
    id: 'dlv_1',
    webhookId: 'wh_1',
    participantId: 'hk-remit',
    eventId: 'evt_1',
    event: 'transfer.committed',
    transferId: 't-1',
    blockHeight: 3,
    payload: '{"id":"evt_1","type":"transfer.committed"}',
    status: 'pending',
    attempts: 0,
    createdAt: new Date(),
    updatedAt: new Date(),
    deliveredAt: null,
  };
  const hook: WebhookRow = {
    id: 'wh_1',
    participantId: 'hk-remit',
    url: 'http://127.0.0.1:1/hook',
    events: ['transfer.committed'],
    secret: 'whsec_s',
    createdAt: new Date(),
    deletedAt: null,
    format: 'json',
    ...webhook,
  };
  const attempts: { attempt: number; statusCode?: number; error?: string; status: string }[] = [];
  const repository = {
    loadForSend: async () => ({ delivery: { ...delivery }, webhook: hook }),
    recordAttempt: async (
      _d: DeliveryRow,
      a: { attempt: number; statusCode?: number; error?: string },
      status: string,
    ) => {
      attempts.push({ ...a, status });
      delivery.status = status;
      delivery.attempts = a.attempt;
    },
    markCancelled: async () => {
      delivery.status = 'cancelled';
    },
  } as unknown as WebhooksRepository;
  const registry = new Registry();
  const metrics = new GatewayMetrics(registry);
  /** gateway_webhook_deliveries_total as { 'event result': value }. */
  const counted = async () =>
    Object.fromEntries(
      (
        (await registry.getMetricsAsJSON()).find((m) => m.name === 'gateway_webhook_deliveries_total')
          ?.values ?? []
      ).map((v) => [`${v.labels.event} ${v.labels.result}`, v.value]),
    );
  const requests: { headers: Record<string, string>; body: string }[] = [];
  const send = (async (_url: string, init: RequestInit) => {
    requests.push({ headers: init.headers as Record<string, string>, body: init.body as string });
    const answer = answers.shift();
    if (answer instanceof Error) throw answer;
    return new Response(answer === 204 ? null : 'ok', { status: answer ?? 200 });
  }) as typeof fetch;
  const processor = new WebhookDeliveryProcessor(
    'redis://127.0.0.1:6379',
    '',
    // The receiver is scripted, so its loopback URL is allowed unless a test says otherwise.
    { attempts: 3, backoffMs: 10, timeoutMs: 1000, concurrency: 1, allowPrivateUrls },
    repository,
    pino({ level: 'silent' }),
    send,
    metrics,
  );
  const job = (attemptsMade: number) => ({
    data: { deliveryId: 'dlv_1' },
    attemptsMade,
    opts: { attempts: 3 },
  });
  return { processor, job, attempts, requests, delivery, counted };
}

describe('webhook delivery attempts', () => {
  it('sends an iso20022 subscription its transfer events as signed ISO 20022 XML', async () => {
    const { processor, job, requests, delivery } = setup([200], { format: 'iso20022' });
    delivery.payload = JSON.stringify({
      id: 'evt_1',
      type: 'transfer.rejected',
      createdAt: '2026-12-07T10:00:00.000Z',
      data: {
        id: 't-1',
        status: 'rejected',
        reason: 'INSUFFICIENT_FUNDS',
        payer: 'hk-remit',
        payee: 'mnl-payout',
        amount: '10.00',
        currency: 'USD',
      },
    });
    delivery.event = 'transfer.rejected';
    await expect(processor.process(job(0))).resolves.toBe('delivered');
    const [request] = requests;
    expect(request.headers['content-type']).toBe('application/xml; charset=utf-8');
    expect(request.body).toContain('<TxSts>RJCT</TxSts>');
    expect(request.body).toContain('<Prtry>INSUFFICIENT_FUNDS</Prtry>');
    // Signed over the XML as sent.
    expect(
      verifyWebhookSignature(
        'whsec_s',
        request.headers['Concord-Signature'],
        request.body,
        Math.floor(Date.now() / 1000),
      ).ok,
    ).toBe(true);
  });

  it('POSTs the stored payload with a valid signature and the event id, and marks it delivered', async () => {
    const { processor, job, attempts, requests, delivery } = setup([204]);
    await expect(processor.process(job(0))).resolves.toBe('delivered');
    expect(requests).toHaveLength(1);
    const { headers, body } = requests[0];
    expect(body).toBe(delivery.payload);
    expect(headers['Concord-Event-Id']).toBe('evt_1');
    expect(
      verifyWebhookSignature('whsec_s', headers['Concord-Signature'], body, Math.floor(Date.now() / 1000)).ok,
    ).toBe(true);
    expect(attempts).toEqual([expect.objectContaining({ attempt: 1, statusCode: 204, status: 'delivered' })]);
  });

  it('counts every attempt by event type and result', async () => {
    const failing = setup([500, 500, 500]);
    await expect(failing.processor.process(failing.job(0))).rejects.toThrow();
    await expect(failing.processor.process(failing.job(1))).rejects.toThrow();
    await expect(failing.processor.process(failing.job(2))).rejects.toThrow();
    await failing.processor.process(failing.job(3));
    expect(await failing.counted()).toEqual({
      'transfer.committed retried': 2,
      'transfer.committed dead': 1,
    });
    const ok = setup([200]);
    await ok.processor.process(ok.job(0));
    expect(await ok.counted()).toEqual({ 'transfer.committed delivered': 1 });
    const deleted = setup([200], { deletedAt: new Date() });
    await deleted.processor.process(deleted.job(0));
    expect(await deleted.counted()).toEqual({ 'transfer.committed cancelled': 1 });
  });

  it('logs each failure, keeps the delivery pending while attempts remain, and marks it dead after the last', async () => {
    const { processor, job, attempts, delivery } = setup([500, new TypeError('fetch failed'), 503]);
    await expect(processor.process(job(0))).rejects.toThrow('500');
    expect(delivery.status).toBe('pending');
    await expect(processor.process(job(1))).rejects.toThrow('fetch failed');
    await expect(processor.process(job(2))).rejects.toThrow('503');
    expect(attempts.map((a) => [a.attempt, a.statusCode ?? a.error, a.status])).toEqual([
      [1, 500, 'pending'],
      [2, 'fetch failed', 'pending'],
      [3, 503, 'dead'],
    ]);
    // A job run again after the end (a sweep, a stalled job) sends nothing.
    await expect(processor.process(job(3))).resolves.toBe('skipped');
  });

  it('counts a redirect as a failure and cancels deliveries of a deleted webhook without sending', async () => {
    const redirected = setup([302]);
    await expect(redirected.processor.process(redirected.job(0))).rejects.toThrow('302');
    const deleted = setup([200], { deletedAt: new Date() });
    await expect(deleted.processor.process(deleted.job(0))).resolves.toBe('cancelled');
    expect(deleted.requests).toHaveLength(0);
    expect(deleted.delivery.status).toBe('cancelled');
  });

  it('sends nothing to a non-public address unless private URLs are allowed, and logs the attempt as failed', async () => {
    for (const url of ['http://127.0.0.1:1/hook', 'http://localhost:1/hook', 'http://169.254.169.254/x']) {
      const refused = setup([200], { url }, false);
      await expect(refused.processor.process(refused.job(0))).rejects.toThrow(/not sent: .*public/);
      expect(refused.requests).toHaveLength(0);
      expect(refused.attempts).toEqual([
        expect.objectContaining({
          attempt: 1,
          error: expect.stringMatching(/^not sent: /),
          status: 'pending',
        }),
      ]);
    }
  });
});
