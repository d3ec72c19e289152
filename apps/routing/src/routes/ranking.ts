import type { AppRule, RoutingStrategy } from '@concord/contracts';
import type { Price } from './pricing';

/** A partner's recent record in one currency, from the ledger's two-phase outcomes. */
export interface PartnerRecord {
  fulfilled: number;
  failed: number;
  /** Failures among the most recent outcomes (the elimination window). */
  recentFailed: number;
  recentTotal: number;
  /** Median reserve-to-fulfil time of its recent payouts; null without any. */
  medianPayoutMs: number | null;
}

/** A priced offer that passed every hard filter (corridor, method, hours, amounts, liquidity). */
export interface Candidate<R = unknown> {
  partner: string;
  /** What the caller ranks (its offer), handed back untouched. */
  ref: R;
  offerId: string;
  price: Price;
  promisedMs: number;
  record: PartnerRecord;
  /** Orders of this app's network now in flight at the partner (reserved, not yet final). */
  inFlight: number;
}

export interface RankingPolicy {
  strategy: RoutingStrategy;
  rules: AppRule[];
  split?: Record<string, number>;
  /** A number in [0, 1) that picks the partner of a volume split (a hash of the request). */
  splitDraw: number;
}

export interface Ranked<R = unknown> extends Candidate<R> {
  successRate: number;
  score: number;
  explanation: string;
}

/** Below this recent success a partner is eliminated ("failing now"), once the window holds enough. */
export const ELIMINATE_BELOW = 0.5;
export const ELIMINATE_MIN_SAMPLES = 4;
/** What the wait of a failed payout (before the reroute) is worth in the balanced score. */
export const FAILURE_PENALTY_BPS = 5;
/** Spreading load: each order in flight at a partner costs it this much in the balanced score. */
export const LOAD_PENALTY_BPS = 0.5;
/** A promised minute of delivery costs this much in the balanced score. */
export const DELAY_PENALTY_BPS_PER_MIN = 2;

/**
 * Success estimate with a prior of one success and one failure (Laplace), so that a partner without a
 * record starts at 0.5 weight of evidence but 2/3 chance: new partners get traffic and a record.
 */
export function successRate(record: PartnerRecord): number {
  return (record.fulfilled + 2) / (record.fulfilled + record.failed + 3);
}

export function failingNow(record: PartnerRecord): boolean {
  if (record.recentTotal < ELIMINATE_MIN_SAMPLES) return false;
  return 1 - record.recentFailed / record.recentTotal < ELIMINATE_BELOW;
}

function ruleApplies(rule: AppRule, c: Candidate, bounds: (r: AppRule) => [bigint | null, bigint | null]) {
  if (rule.partner !== c.partner) return false;
  const [min, max] = bounds(rule);
  const payout = c.price.payoutMinor;
  return (min === null || payout >= min) && (max === null || payout <= max);
}

/**
 * The cost score of a strategy, lower first; the explanation says what it weighed. Balanced is the
 * expected cost of sending to this partner first: with probability p it pays out at its cost, otherwise the
 * order is rerouted to the cheapest other partner (`fallbackBps`), plus what the failure's wait is worth,
 * the promised delay and the partner's load. A reroute is what makes a flaky cheap partner still worth
 * trying first, as long as it is not failing now.
 */
function scoreOf(strategy: RoutingStrategy, c: Candidate, p: number, fallbackBps: number): [number, string] {
  const cost = c.price.costBps;
  const delayMs = c.record.medianPayoutMs ?? c.promisedMs;
  if (strategy === 'cheapest') return [cost, `cost ${cost} bps`];
  if (strategy === 'success-rate') {
    return [(1 - p) * 10_000 + delayMs / 1000, `success ${(p * 100).toFixed(0)}%, ${delayMs} ms to pay out`];
  }
  const expected = p * cost + (1 - p) * fallbackBps;
  const failure = (1 - p) * FAILURE_PENALTY_BPS;
  const delay = (delayMs / 60_000) * DELAY_PENALTY_BPS_PER_MIN;
  const load = c.inFlight * LOAD_PENALTY_BPS;
  const score = expected + failure + delay + load;
  return [
    score,
    `cost ${cost} bps, success ${(p * 100).toFixed(0)}% (else ${fallbackBps} bps elsewhere): expected ` +
      `${expected.toFixed(1)} + wait on failure ${failure.toFixed(1)} + delay ${delay.toFixed(1)} + load ` +
      `${load.toFixed(1)} (${c.inFlight} in flight) = ${score.toFixed(1)}`,
  ];
}

/** The partner a volume split sends this request to: shares laid end to end, the draw picks one. */
export function splitPick(split: Record<string, number>, present: string[], draw: number): string | null {
  const shares = present.map((p) => [p, split[p] ?? 0] as const).filter(([, s]) => s > 0);
  const total = shares.reduce((sum, [, s]) => sum + s, 0);
  if (total === 0) return null;
  let at = draw * total;
  for (const [partner, share] of shares) {
    if (at < share) return partner;
    at -= share;
  }
  return shares[shares.length - 1][0];
}

/**
 * Ranks candidates: partners failing now and those the app's rules avoid are dropped; the app's preferred
 * partners come first; then the strategy's score (a split puts its pick first and the rest by balanced).
 * Ties go to the cheaper, then to the partner id, so that equal inputs give equal answers.
 */
export function rank<R>(
  candidates: Candidate<R>[],
  policy: RankingPolicy,
  bounds: (r: AppRule) => [bigint | null, bigint | null],
): { ranked: Ranked<R>[]; dropped: { partner: string; why: string }[] } {
  const dropped: { partner: string; why: string }[] = [];
  const kept: Ranked<R>[] = [];
  const scoring = policy.strategy === 'split' ? 'balanced' : policy.strategy;
  const eligible = candidates.filter((c) => {
    const avoid = policy.rules.find((r) => r.action === 'avoid' && ruleApplies(r, c, bounds));
    if (avoid) dropped.push({ partner: c.partner, why: 'avoided by the app rule' });
    else if (failingNow(c.record)) {
      const ok = c.record.recentTotal - c.record.recentFailed;
      dropped.push({ partner: c.partner, why: `failing now (${ok}/${c.record.recentTotal} recent payouts)` });
    }
    return !avoid && !failingNow(c.record);
  });
  for (const c of eligible) {
    const others = eligible.filter((o) => o !== c).map((o) => o.price.costBps);
    const fallbackBps = others.length > 0 ? Math.min(...others) : c.price.costBps;
    const p = successRate(c.record);
    const [score, why] = scoreOf(scoring, c, p, fallbackBps);
    kept.push({ ...c, successRate: p, score, explanation: why });
  }
  const preferred = (r: Ranked<R>) =>
    policy.rules.some((rule) => rule.action === 'prefer' && ruleApplies(rule, r, bounds));
  const pick =
    policy.strategy === 'split' && policy.split
      ? splitPick(
          policy.split,
          kept.map((k) => k.partner),
          policy.splitDraw,
        )
      : null;
  const firstly = (r: Ranked<R>) => (r.partner === pick ? 0 : preferred(r) ? 1 : 2);
  kept.sort(
    (a, b) =>
      firstly(a) - firstly(b) ||
      a.score - b.score ||
      Number(a.price.totalCostMinor - b.price.totalCostMinor) ||
      a.partner.localeCompare(b.partner),
  );
  for (const r of kept) {
    if (r.partner === pick) r.explanation = `volume split pick; ${r.explanation}`;
    else if (preferred(r)) r.explanation = `preferred by the app rule; ${r.explanation}`;
  }
  return { ranked: kept, dropped };
}
