import type {
  ApiResponse,
  ConcordClient,
  FxQuote,
  QuoteAnswer,
  Transfer,
  TransferRequest,
} from '@concord/sdk';
import {
  ClientStats,
  closedLoop,
  CrossCurrencyMix,
  Driver,
  seededRandom,
  sendCrossCurrency,
  Workload,
} from './load';

const PARTNERS = ['p01', 'p02', 'p03', 'p04'];
const CURRENCIES = ['USD', 'EUR', 'PHP', 'HKD'];

/**
 * A partner client that answers like the gateway would, without a network: quotes for what was asked,
 * transfers committed at once, or a quote problem when told to.
 */
class FakeClient {
  readonly quoteRequests: Record<string, unknown>[] = [];
  readonly transfers: TransferRequest[] = [];
  readonly batches: TransferRequest[][] = [];
  quoteStatus = 201;

  async createQuote(request: {
    sourceCurrency: string;
    targetCurrency: string;
    sendAmount?: string;
    payee?: string;
  }): Promise<ApiResponse<QuoteAnswer>> {
    this.quoteRequests.push(request);
    await new Promise((resolve) => setImmediate(resolve));
    if (this.quoteStatus !== 201)
      return { status: this.quoteStatus, body: { code: 'FX_TIMEOUT' } as never, headers: new Headers() };
    const quote: FxQuote = {
      id: `q-${this.quoteRequests.length}`,
      sourceCurrency: request.sourceCurrency,
      targetCurrency: request.targetCurrency,
      sendAmount: request.sendAmount!,
      receiveAmount: '1.00',
      fee: '0.10',
      totalCost: '0.00',
      expiresAtMs: Date.now() + 30_000,
      payee: request.payee,
    };
    const rate = { source: 'fake', asOf: new Date().toISOString(), ageMs: 0, maxAgeMs: null, ageing: false };
    return {
      status: 201,
      body: { quote, rate: { ...rate, lastRefreshAt: null, legs: [] }, breakdown: null },
      headers: new Headers(),
    };
  }

  async createTransfer(t: TransferRequest): Promise<ApiResponse<Transfer>> {
    this.transfers.push(t);
    await new Promise((resolve) => setImmediate(resolve));
    return {
      status: 202,
      body: { ...t, status: 'committed' } as unknown as Transfer,
      headers: new Headers(),
    };
  }

  async createTransferBatch(batch: TransferRequest[]): Promise<ApiResponse<{ transfers: Transfer[] }>> {
    this.batches.push(batch);
    await new Promise((resolve) => setImmediate(resolve));
    return {
      status: 202,
      body: { transfers: batch.map((t) => ({ ...t, status: 'committed' }) as unknown as Transfer) },
      headers: new Headers(),
    };
  }
}

function fakeDriver(): { driver: Driver; clients: Map<string, FakeClient> } {
  const clients = new Map(PARTNERS.map((p) => [p, new FakeClient()]));
  const driver: Driver = {
    clients: clients as unknown as Map<string, ConcordClient>,
    sentIds: new Set(),
    ackedIds: new Set(),
    quotes: new Map(),
    waitMs: 1000,
  };
  return { driver, clients };
}

const workload = (seed = 7) =>
  new Workload(
    { participants: PARTNERS, currencies: CURRENCIES, minMinor: 100, maxMinor: 50_000 },
    seededRandom(seed),
  );

describe('Workload.crossCurrency', () => {
  it('asks for a conversion between two different currencies, to another partner, within the amounts', () => {
    const w = workload();
    for (let i = 0; i < 500; i++) {
      const payer = w.payer();
      const p = w.crossCurrency(`x-${i}`, payer);
      expect(p.id).toBe(`x-${i}`);
      expect(p.payer).toBe(payer);
      expect(PARTNERS).toContain(p.payee);
      expect(p.payee).not.toBe(payer);
      expect(CURRENCIES).toContain(p.sourceCurrency);
      expect(CURRENCIES).toContain(p.targetCurrency);
      expect(p.targetCurrency).not.toBe(p.sourceCurrency);
      expect(p.sendAmount).toMatch(/^\d+\.\d\d$/);
      const minor = Math.round(Number(p.sendAmount) * 100);
      expect(minor).toBeGreaterThanOrEqual(100);
      expect(minor).toBeLessThanOrEqual(50_000);
    }
  });

  it('uses every corridor over many draws', () => {
    const w = workload(3);
    const corridors = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const p = w.crossCurrency(`x-${i}`, 'p01');
      corridors.add(`${p.sourceCurrency}>${p.targetCurrency}`);
    }
    expect(corridors.size).toBe(CURRENCIES.length * (CURRENCIES.length - 1));
  });
});

describe('CrossCurrencyMix', () => {
  it('makes the asked share of all transfers cross-currency, batch members included', () => {
    const mix = new CrossCurrencyMix(0.1);
    let fx = 0;
    let singles = 0;
    for (let round = 0; round < 100; round++) {
      mix.countBatch(100);
      for (let i = 0; i < 50; i++) {
        singles++;
        if (mix.next()) fx++;
      }
    }
    const total = 100 * 100 + singles;
    expect(fx / total).toBeCloseTo(0.1, 2);
    expect(mix.achievedShare).toBeCloseTo(fx / total, 10);
  });

  it('makes every single transfer cross-currency when the singles cannot carry the share, and says so', () => {
    const mix = new CrossCurrencyMix(0.5);
    let fx = 0;
    for (let round = 0; round < 10; round++) {
      mix.countBatch(100);
      if (mix.next()) fx++;
    }
    expect(fx).toBe(10);
    expect(mix.achievedShare).toBeCloseTo(10 / 1010, 10);
  });

  it('sends nothing cross-currency at share 0 and everything at share 1', () => {
    const none = new CrossCurrencyMix(0);
    const all = new CrossCurrencyMix(1);
    for (let i = 0; i < 100; i++) {
      expect(none.next()).toBe(false);
      expect(all.next()).toBe(true);
    }
  });
});

describe('sendCrossCurrency', () => {
  it('asks the payer for a quote to the payee, then sends the transfer carrying it for its send amount', async () => {
    const { driver, clients } = fakeDriver();
    const stats = new ClientStats();
    const fx = new ClientStats();
    const before = Date.now();
    await sendCrossCurrency(driver, stats, fx, {
      id: 'k-x0-0',
      payer: 'p02',
      payee: 'p03',
      sourceCurrency: 'USD',
      targetCurrency: 'PHP',
      sendAmount: '12.34',
    });
    const client = clients.get('p02')!;
    expect(client.quoteRequests).toEqual([
      { sourceCurrency: 'USD', targetCurrency: 'PHP', sendAmount: '12.34', payee: 'p03' },
    ]);
    expect(client.transfers).toHaveLength(1);
    const sent = client.transfers[0];
    expect(sent).toMatchObject({
      id: 'k-x0-0',
      payer: 'p02',
      payee: 'p03',
      amount: '12.34',
      currency: 'USD',
    });
    expect(sent.quote?.id).toBe('q-1');
    expect(driver.quotes.get('k-x0-0')?.quote).toBe(sent.quote);
    expect(driver.quotes.get('k-x0-0')!.quotedAtMs).toBeGreaterThanOrEqual(before);
    expect([...driver.sentIds]).toEqual(['k-x0-0']);
    expect([...driver.ackedIds]).toEqual(['k-x0-0']);
    for (const s of [stats, fx]) {
      // Two requests (quote and transfer), one transfer, one quote.
      expect(s.requests).toBe(2);
      expect(s.transfersSent).toBe(1);
      expect(s.transfersAcked).toBe(1);
      expect(s.quoteRequests).toBe(1);
      expect(s.quotesReceived).toBe(1);
      expect(s.quoteLatenciesMs).toHaveLength(1);
      expect(s.inFlight).toBe(0);
      expect(s.errors).toBe(0);
    }
  });

  it('counts a failed quote as a quote error and sends no transfer', async () => {
    const { driver, clients } = fakeDriver();
    clients.get('p01')!.quoteStatus = 504;
    const stats = new ClientStats();
    const fx = new ClientStats();
    await sendCrossCurrency(driver, stats, fx, {
      id: 'k-x0-1',
      payer: 'p01',
      payee: 'p04',
      sourceCurrency: 'EUR',
      targetCurrency: 'HKD',
      sendAmount: '5.00',
    });
    expect(clients.get('p01')!.transfers).toHaveLength(0);
    expect(driver.sentIds.size).toBe(0);
    expect(driver.quotes.size).toBe(0);
    for (const s of [stats, fx]) {
      expect(s.quoteErrors).toEqual({ 'quote HTTP 504 FX_TIMEOUT': 1 });
      expect(s.errors).toBe(1);
      expect(s.transfersSent).toBe(0);
    }
  });
});

describe('closedLoop with a cross-currency share', () => {
  it('sends the share as quoted single transfers with x ids, and none inside batches', async () => {
    const { driver, clients } = fakeDriver();
    const stats = new ClientStats();
    const fx = { mix: new CrossCurrencyMix(0.2), stats: new ClientStats() };
    let stop = false;
    const done = closedLoop(driver, stats, {
      tag: 'k',
      singleWorkers: 6,
      batchWorkers: 1,
      batchSize: 10,
      untilMs: Date.now() + 60_000,
      workload: workload(11),
      stopped: () => stop,
      crossCurrency: fx,
    });
    while (stats.transfersSent < 2000) await new Promise((resolve) => setTimeout(resolve, 5));
    stop = true;
    await done;
    const all = [...clients.values()];
    const singles = all.flatMap((c) => c.transfers);
    const batched = all.flatMap((c) => c.batches.flat());
    const quoted = singles.filter((t) => t.quote);
    expect(batched.every((t) => !t.quote && /^k-b0-\d+-\d+$/.test(t.id))).toBe(true);
    expect(quoted.every((t) => /^k-x\d+-\d+$/.test(t.id))).toBe(true);
    expect(singles.filter((t) => !t.quote).every((t) => /^k-\d+-\d+$/.test(t.id))).toBe(true);
    expect(quoted.length).toBe(fx.stats.transfersSent);
    expect(stats.transfersSent).toBe(singles.length + batched.length);
    // The share holds over all transfers, within what was in flight when the loop stopped.
    expect(quoted.length / stats.transfersSent).toBeCloseTo(0.2, 1);
    expect(
      quoted.every((t) => t.currency === t.quote!.sourceCurrency && t.amount === t.quote!.sendAmount),
    ).toBe(true);
    expect(driver.quotes.size).toBe(quoted.length);
  });
});
