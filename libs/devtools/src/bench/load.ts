import { performance } from 'node:perf_hooks';
import type { ConcordClient, TransferRequest } from '../../../sdk/src';

/**
 * Load generation for the end-to-end bench: partners' signed requests through the SDK, closed-loop
 * (each worker sends its next request when the previous one answered) or open-loop (requests leave on a
 * fixed schedule whatever the answers). Every transfer id is `<scenario tag>-<worker>-<seq>`, so that the
 * database can say afterwards what became of each scenario's transfers.
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

  transfer(id: string, payer: string): TransferRequest {
    let payee = this.pick(this.shape.participants);
    while (payee === payer) payee = this.pick(this.shape.participants);
    const { minMinor, maxMinor } = this.shape;
    const minor = minMinor + Math.floor(this.random() * (maxMinor - minMinor + 1));
    return {
      id,
      payer,
      payee,
      amount: `${Math.floor(minor / 100)}.${String(minor % 100).padStart(2, '0')}`,
      currency: this.pick(this.shape.currencies),
    };
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

  get errors(): number {
    return Object.values(this.httpErrors).reduce((a, b) => a + b, 0) + this.exceptionRequests;
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

export async function sendSingle(driver: Driver, stats: ClientStats, t: TransferRequest): Promise<void> {
  stats.requests++;
  stats.transfersSent++;
  stats.inFlight++;
  driver.sentIds.add(t.id);
  const started = performance.now();
  try {
    const answer = await driver.clients.get(t.payer)!.createTransfer(t, { waitMs: driver.waitMs });
    if (answer.status >= 200 && answer.status < 300) {
      stats.transfersAcked++;
      driver.ackedIds.add(t.id);
      if (FINAL.has(answer.body?.status)) {
        stats.finalInAnswer++;
        stats.latenciesMs.push(performance.now() - started);
      }
    } else recordHttpError(stats, answer.status, answer.body, 1);
  } catch (error) {
    recordException(stats, error, 1);
  } finally {
    stats.inFlight--;
  }
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
}

/** Closed loop: every worker sends its next request as soon as the previous one was answered. */
export async function closedLoop(driver: Driver, stats: ClientStats, plan: ClosedLoopPlan): Promise<void> {
  const running = () => Date.now() < plan.untilMs && !plan.stopped();
  const single = async (w: number) => {
    for (let seq = 0; running(); seq++) {
      const payer = plan.workload.payer();
      await sendSingle(driver, stats, plan.workload.transfer(`${plan.tag}-${w}-${seq}`, payer));
    }
  };
  const batch = async (w: number) => {
    for (let seq = 0; running(); seq++) {
      const payer = plan.workload.payer();
      const transfers = Array.from({ length: plan.batchSize }, (_, i) =>
        plan.workload.transfer(`${plan.tag}-b${w}-${seq}-${i}`, payer),
      );
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
