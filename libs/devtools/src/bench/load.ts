import { performance } from 'node:perf_hooks';
import type { ConcordClient, FxQuote, TransferRequest } from '@concord/sdk';

/**
 * Load generation for the end-to-end bench: partners' signed requests through the SDK, closed-loop
 * (each worker sends its next request when the previous one answered) or open-loop (requests leave on a
 * fixed schedule whatever the answers). Every transfer id is `<scenario tag>-<worker>-<seq>`, so that the
 * database can say afterwards what became of each scenario's transfers; a cross-currency transfer's id is
 * `<scenario tag>-x<worker>-<seq>`, so that its subset can be told apart.
 */

/** A small seeded PRNG (mulberry32): the same seed gives the same workload. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface WorkloadShape {
  participants: string[];
  currencies: string[];
  /** When set, `share` of the transfers are paid by `id` (the rest by the others, uniformly). */
  hot?: { id: string; share: number };
  /** Smallest and largest amount in minor units. */
  minMinor: number;
  maxMinor: number;
}

export class Workload {
  constructor(
    private readonly shape: WorkloadShape,
    private readonly random: () => number,
  ) {}

  private pick<T>(list: T[]): T {
    return list[Math.floor(this.random() * list.length)];
  }

  payer(): string {
    const { hot, participants } = this.shape;
    if (hot && this.random() < hot.share) return hot.id;
    const others = hot ? participants.filter((p) => p !== hot.id) : participants;
    return this.pick(others);
  }

  private payee(payer: string): string {
    let payee = this.pick(this.shape.participants);
    while (payee === payer) payee = this.pick(this.shape.participants);
    return payee;
  }

  /** An amount between minMinor and maxMinor as a decimal string (every bench currency has 2 decimals). */
  private amount(): string {
    const { minMinor, maxMinor } = this.shape;
    const minor = minMinor + Math.floor(this.random() * (maxMinor - minMinor + 1));
    return `${Math.floor(minor / 100)}.${String(minor % 100).padStart(2, '0')}`;
  }

  transfer(id: string, payer: string): TransferRequest {
    const payee = this.payee(payer);
    return { id, payer, payee, amount: this.amount(), currency: this.pick(this.shape.currencies) };
  }

  /** A cross-currency payment: the quote to ask for (a fixed send amount, two different currencies). */
  crossCurrency(id: string, payer: string): CrossCurrencyPayment {
    const payee = this.payee(payer);
    const sourceCurrency = this.pick(this.shape.currencies);
    const targetCurrency = this.pick(this.shape.currencies.filter((c) => c !== sourceCurrency));
    return { id, payer, payee, sourceCurrency, targetCurrency, sendAmount: this.amount() };
  }
}

export interface CrossCurrencyPayment {
  id: string;
  payer: string;
  payee: string;
  sourceCurrency: string;
  targetCurrency: string;
  sendAmount: string;
}

/**
 * Decides which single transfers of a mix are cross-currency, so that `share` of ALL its transfers are,
 * batch members included. Batches carry no cross-currency transfer: each would need its own quote first,
 * and ten quote round trips per batch request would make the quotes, not the transfers, the load. When the
 * single transfers are too few to carry the share, every one of them is cross-currency and the achieved
 * share (reported) stays below the asked one.
 */
export class CrossCurrencyMix {
  private transfers = 0;
  private crossCurrency = 0;

  constructor(readonly share: number) {}

  /** Counts the transfers of a batch (all in one currency). */
  countBatch(transfers: number): void {
    this.transfers += transfers;
  }

  /** Counts one single transfer; true when it is to be cross-currency. */
  next(): boolean {
    this.transfers++;
    if (this.crossCurrency < this.share * this.transfers) {
      this.crossCurrency++;
      return true;
    }
    return false;
  }

  get achievedShare(): number {
    return this.transfers === 0 ? 0 : this.crossCurrency / this.transfers;
  }
}

/** What the clients saw in one scenario (the database says what became of the transfers). */
export class ClientStats {
  requests = 0;
  transfersSent = 0;
  /** Transfers of 2xx answers. */
  transfersAcked = 0;
  /** Transfers whose 2xx answer already carried a final state (the long poll did not time out). */
  finalInAnswer = 0;
  /** Non-2xx answers by status (requests), and the transfers they carried. */
  readonly httpErrors: Record<string, number> = {};
  httpErrorTransfers = 0;
  /** Requests that threw (network errors, timeouts, bad JSON), by message, and the transfers they carried. */
  readonly exceptions: Record<string, number> = {};
  exceptionTransfers = 0;
  /** Client-side time from sending a request to its answer, for answers that carried a final state. */
  readonly latenciesMs: number[] = [];
  inFlight = 0;
  /** Example problem bodies of non-2xx answers (a few). */
  readonly problemSamples: string[] = [];
  /** `POST /v1/quotes` requests (also counted in `requests`), the quotes they returned and their round trips. */
  quoteRequests = 0;
  quotesReceived = 0;
  readonly quoteLatenciesMs: number[] = [];
  /** Quote requests that failed, by `HTTP <status> <code>` or exception: their transfers were not sent. */
  readonly quoteErrors: Record<string, number> = {};

  get errors(): number {
    return (
      Object.values(this.httpErrors).reduce((a, b) => a + b, 0) +
      this.exceptionRequests +
      Object.values(this.quoteErrors).reduce((a, b) => a + b, 0)
    );
  }

  get exceptionRequests(): number {
    return Object.values(this.exceptions).reduce((a, b) => a + b, 0);
  }
}

const FINAL = new Set(['committed', 'rejected', 'fulfilled', 'aborted', 'expired']);

export interface Driver {
  clients: Map<string, ConcordClient>;
  /** Every id submitted and every id a 2xx answer acknowledged, over the whole run. */
  sentIds: Set<string>;
  ackedIds: Set<string>;
  /** The quote each cross-currency transfer carried, and when (epoch ms) the quote was asked for. */
  quotes: Map<string, { quote: FxQuote; quotedAtMs: number }>;
  waitMs: number;
}

function recordException(stats: ClientStats, error: unknown, transfers: number): void {
  const e = error as Error & { cause?: { code?: string; message?: string } };
  const message = e.cause?.code ?? e.cause?.message ?? e.message ?? String(error);
  stats.exceptions[message] = (stats.exceptions[message] ?? 0) + 1;
  stats.exceptionTransfers += transfers;
}

function recordHttpError(stats: ClientStats, status: number, body: unknown, transfers: number): void {
  stats.httpErrors[status] = (stats.httpErrors[status] ?? 0) + 1;
  stats.httpErrorTransfers += transfers;
  if (stats.problemSamples.length < 5)
    stats.problemSamples.push(`${status} ${JSON.stringify(body).slice(0, 300)}`);
}

/**
 * One transfer in one request. `also` (the cross-currency subset's own figures) counts it a second time.
 */
export async function sendSingle(
  driver: Driver,
  stats: ClientStats,
  t: TransferRequest,
  also?: ClientStats,
): Promise<void> {
  const all = also ? [stats, also] : [stats];
  for (const s of all) {
    s.requests++;
    s.transfersSent++;
    s.inFlight++;
  }
  driver.sentIds.add(t.id);
  const started = performance.now();
  try {
    const answer = await driver.clients.get(t.payer)!.createTransfer(t, { waitMs: driver.waitMs });
    if (answer.status >= 200 && answer.status < 300) {
      driver.ackedIds.add(t.id);
      const final = FINAL.has(answer.body?.status);
      for (const s of all) {
        s.transfersAcked++;
        if (final) {
          s.finalInAnswer++;
          s.latenciesMs.push(performance.now() - started);
        }
      }
    } else for (const s of all) recordHttpError(s, answer.status, answer.body, 1);
  } catch (error) {
    for (const s of all) recordException(s, error, 1);
  } finally {
    for (const s of all) s.inFlight--;
  }
}

/**
 * A cross-currency transfer as a partner sends one: a quote for the payee first (`POST /v1/quotes`, which
 * the gateway forwards to the FX service over Kafka), then the transfer carrying it, for the quote's send
 * amount in its source currency. Counted in `stats` (the scenario) and in `fx` (its cross-currency subset).
 * A failed quote is counted as a quote error and no transfer is sent.
 */
export async function sendCrossCurrency(
  driver: Driver,
  stats: ClientStats,
  fx: ClientStats,
  payment: CrossCurrencyPayment,
): Promise<void> {
  const all = [stats, fx];
  const client = driver.clients.get(payment.payer)!;
  const quotedAtMs = Date.now();
  const started = performance.now();
  for (const s of all) {
    s.requests++;
    s.quoteRequests++;
  }
  let quote: FxQuote;
  try {
    const answer = await client.createQuote({
      sourceCurrency: payment.sourceCurrency,
      targetCurrency: payment.targetCurrency,
      sendAmount: payment.sendAmount,
      payee: payment.payee,
    });
    if (answer.status !== 201) {
      const code = (answer.body as { code?: string } | undefined)?.code ?? '';
      for (const s of all) {
        const key = `quote HTTP ${answer.status}${code ? ` ${code}` : ''}`;
        s.quoteErrors[key] = (s.quoteErrors[key] ?? 0) + 1;
        if (s.problemSamples.length < 5)
          s.problemSamples.push(`quote ${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`);
      }
      return;
    }
    quote = answer.body.quote;
  } catch (error) {
    const e = error as Error & { cause?: { code?: string; message?: string } };
    const key = `quote ${e.cause?.code ?? e.cause?.message ?? e.message ?? String(error)}`;
    for (const s of all) s.quoteErrors[key] = (s.quoteErrors[key] ?? 0) + 1;
    return;
  }
  const roundTripMs = performance.now() - started;
  for (const s of all) {
    s.quotesReceived++;
    s.quoteLatenciesMs.push(roundTripMs);
  }
  driver.quotes.set(payment.id, { quote, quotedAtMs });
  await sendSingle(
    driver,
    stats,
    {
      id: payment.id,
      payer: payment.payer,
      payee: payment.payee,
      amount: quote.sendAmount,
      currency: quote.sourceCurrency,
      quote,
    },
    fx,
  );
}

export async function sendBatch(driver: Driver, stats: ClientStats, batch: TransferRequest[]): Promise<void> {
  stats.requests++;
  stats.transfersSent += batch.length;
  stats.inFlight += batch.length;
  for (const t of batch) driver.sentIds.add(t.id);
  const started = performance.now();
  try {
    const answer = await driver.clients
      .get(batch[0].payer)!
      .createTransferBatch(batch, { waitMs: driver.waitMs });
    if (answer.status >= 200 && answer.status < 300) {
      stats.transfersAcked += batch.length;
      for (const t of batch) driver.ackedIds.add(t.id);
      const finals = (answer.body?.transfers ?? []).filter((t) => FINAL.has(t.status)).length;
      stats.finalInAnswer += finals;
      if (finals === batch.length) stats.latenciesMs.push(performance.now() - started);
    } else recordHttpError(stats, answer.status, answer.body, batch.length);
  } catch (error) {
    recordException(stats, error, batch.length);
  } finally {
    stats.inFlight -= batch.length;
  }
}

export interface ClosedLoopPlan {
  tag: string;
  /** Workers sending one transfer at a time. */
  singleWorkers: number;
  /** Workers sending batches of `batchSize`, all paid by one payer (a batch is signed by its payer). */
  batchWorkers: number;
  batchSize: number;
  untilMs: number;
  workload: Workload;
  stopped: () => boolean;
  /** When set, some single transfers are cross-currency (see CrossCurrencyMix), counted also in `stats`. */
  crossCurrency?: { mix: CrossCurrencyMix; stats: ClientStats };
}

/** Closed loop: every worker sends its next request as soon as the previous one was answered. */
export async function closedLoop(driver: Driver, stats: ClientStats, plan: ClosedLoopPlan): Promise<void> {
  const running = () => Date.now() < plan.untilMs && !plan.stopped();
  const fx = plan.crossCurrency;
  const single = async (w: number) => {
    for (let seq = 0; running(); seq++) {
      const payer = plan.workload.payer();
      if (fx?.mix.next()) {
        await sendCrossCurrency(
          driver,
          stats,
          fx.stats,
          plan.workload.crossCurrency(`${plan.tag}-x${w}-${seq}`, payer),
        );
      } else await sendSingle(driver, stats, plan.workload.transfer(`${plan.tag}-${w}-${seq}`, payer));
    }
  };
  const batch = async (w: number) => {
    for (let seq = 0; running(); seq++) {
      const payer = plan.workload.payer();
      const transfers = Array.from({ length: plan.batchSize }, (_, i) =>
        plan.workload.transfer(`${plan.tag}-b${w}-${seq}-${i}`, payer),
      );
      fx?.mix.countBatch(transfers.length);
      await sendBatch(driver, stats, transfers);
    }
  };
  await Promise.all([
    ...Array.from({ length: plan.singleWorkers }, (_, w) => single(w)),
    ...Array.from({ length: plan.batchWorkers }, (_, w) => batch(w)),
  ]);
}

export interface OpenLoopPlan {
  tag: string;
  ratePerS: number;
  untilMs: number;
  /** At most this many requests wait for an answer; the schedule slips (and says so) beyond it. */
  maxInFlight: number;
  workload: Workload;
  stopped: () => boolean;
}

/** Open loop: single transfers leave on a fixed schedule, whatever the answers. Returns how far it slipped. */
export async function openLoop(
  driver: Driver,
  stats: ClientStats,
  plan: OpenLoopPlan,
): Promise<{ scheduled: number; sent: number }> {
  const started = Date.now();
  const pending = new Set<Promise<void>>();
  let sent = 0;
  let scheduled = 0;
  while (Date.now() < plan.untilMs && !plan.stopped()) {
    scheduled = Math.floor(((Date.now() - started) / 1000) * plan.ratePerS);
    while (sent < scheduled && pending.size < plan.maxInFlight) {
      const payer = plan.workload.payer();
      const p = sendSingle(driver, stats, plan.workload.transfer(`${plan.tag}-0-${sent++}`, payer));
      pending.add(p);
      void p.finally(() => pending.delete(p));
    }
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  await Promise.all(pending);
  return { scheduled, sent };
}
