import type { PartnerRecord } from './ranking';

interface Outcome {
  ok: boolean;
  latencyMs: number | null;
  atMs: number;
}

/** How many outcomes per partner the success rate is taken over. */
export const STATS_WINDOW = 50;
/**
 * The elimination window: the most recent outcomes within RECENT_MS, at most RECENT_COUNT of them. It is
 * short on purpose: an eliminated partner gets no orders, so only time can clear its record, and a partner
 * that recovered should be tried again within seconds.
 */
export const RECENT_COUNT = 8;
export const RECENT_MS = 30_000;

/**
 * Each payout partner's recent two-phase outcomes (all currencies together: the ledger states a
 * cross-currency transfer's outcome in its send currency, not the payout's), as the ledger finalized them (fulfilled
 * counts as a success, aborted and expired as failures), for the success-rate and elimination strategies.
 */
export class PartnerStats {
  private readonly outcomes = new Map<string, Outcome[]>();

  record(partner: string, outcome: Outcome): void {
    const key = partner;
    const list = this.outcomes.get(key) ?? [];
    list.push(outcome);
    if (list.length > STATS_WINDOW) list.splice(0, list.length - STATS_WINDOW);
    this.outcomes.set(key, list);
  }

  of(partner: string, nowMs = Date.now()): PartnerRecord {
    const list = this.outcomes.get(partner) ?? [];
    const fulfilled = list.filter((o) => o.ok).length;
    const recent = list.slice(-RECENT_COUNT).filter((o) => nowMs - o.atMs <= RECENT_MS);
    const latencies = list
      .filter((o) => o.ok && o.latencyMs !== null)
      .map((o) => o.latencyMs!)
      .sort((a, b) => a - b);
    return {
      fulfilled,
      failed: list.length - fulfilled,
      recentFailed: recent.filter((o) => !o.ok).length,
      recentTotal: recent.length,
      medianPayoutMs: latencies.length === 0 ? null : latencies[Math.floor(latencies.length / 2)],
    };
  }
}
