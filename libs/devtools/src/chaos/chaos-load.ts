import type { ConcordClient } from '@concord/sdk';

/** One request of the steady load: when it was sent, how long until its answer, and what the answer was. */
export interface LoadSample {
  id: string;
  sentAtMs: number;
  latencyMs: number;
  /** 201 final within the wait, 202 accepted and pending, 0 no answer (the gateway down or restarting). */
  status: number;
}

/**
 * Single transfers from `payer` to `payee`, a few at a time, for as long as it runs, each waiting up to
 * `waitMs` for its final state: as a partner's back office would keep sending through every fault. An
 * acknowledged transfer (201 or 202) must end final exactly once, whatever happens afterwards.
 */
export class SteadyLoad {
  readonly samples: LoadSample[] = [];
  private running = true;
  private readonly done: Promise<void>;

  constructor(
    client: ConcordClient,
    parties: { payer: string; payee: string },
    options: { workers: number; waitMs: number; pauseMs: number; idPrefix: string },
  ) {
    let next = 0;
    const worker = async () => {
      while (this.running) {
        const id = `${options.idPrefix}-${next++}`;
        const sentAtMs = Date.now();
        let status = 0;
        try {
          const res = await client.createTransfer(
            { id, ...parties, amount: '1.00', currency: 'USD' },
            { waitMs: options.waitMs },
          );
          status = res.status;
        } catch {
          // No answer: nothing was acknowledged, so nothing is owed for this id.
        }
        this.samples.push({ id, sentAtMs, latencyMs: Date.now() - sentAtMs, status });
        await new Promise((resolve) => setTimeout(resolve, options.pauseMs));
      }
    };
    this.done = Promise.all(Array.from({ length: options.workers }, worker)).then(() => undefined);
  }

  /** Ids the gateway acknowledged (201 final, 202 accepted, 200 the same transfer again). */
  acknowledged(): string[] {
    return this.samples
      .filter((s) => s.status === 200 || s.status === 201 || s.status === 202)
      .map((s) => s.id);
  }

  /** p99 of the time to an answer of the requests sent between `fromMs` and `toMs`, null when there were none. */
  p99Between(fromMs: number, toMs: number): number | null {
    const latencies = this.samples
      .filter((s) => s.sentAtMs >= fromMs && s.sentAtMs <= toMs)
      .map((s) => s.latencyMs)
      .sort((a, b) => a - b);
    if (latencies.length === 0) return null;
    return latencies[Math.min(latencies.length - 1, Math.floor(0.99 * latencies.length))];
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.done;
  }
}
