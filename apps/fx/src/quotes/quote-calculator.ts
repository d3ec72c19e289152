import { minorRate } from '@concord/contracts';
import { currencyExponent, divRound, formatAmount, MAX_AMOUNT_MINOR, mulDiv } from '@concord/money';
import { FxServiceError } from '../errors';
import { Ratio, ratio } from '../rates/ratio';

/**
 * The pure arithmetic of a quote. Every amount is a bigint of minor units, every rate an exact ratio, and
 * each rounding is named and goes the FX provider's way:
 *
 *   customer rate  = mid x (10000 - spreadBps - markupBps) / 10000          exact, no rounding
 *   send fixed     : receive = floor(send x rate)                            the payee gets floor
 *   receive fixed  : send    = ceil(receive / rate)                          the payer pays ceil
 *   fee            = clamp(fixed + ceil(send x percentBps / 10000), min, max)  in the source currency
 *   total cost     = send + fee
 *
 * and the breakdown a partner sees, all in the source currency, adding up exactly to the total cost:
 *
 *   spread         = send - ceil(receive / mid), at least 0    the ledger's spread entry (fxSpreadMinor)
 *   principal      = send - spread                             the ledger's converted principal
 *   fee            = fixed part + percentage part + adjustment  (adjustment: + up to min, - down to max)
 */

export type FixedSide = 'send' | 'receive';

/** A corridor's fee schedule, in minor units of the source currency; maxMinor null: no maximum. */
export interface FeeSchedule {
  fixedMinor: bigint;
  percentBps: number;
  minMinor: bigint;
  maxMinor: bigint | null;
}

export interface QuoteCalculationInput {
  sourceCurrency: string;
  targetCurrency: string;
  fixedSide: FixedSide;
  /** The fixed amount: in the source currency for 'send', in the target currency for 'receive'. */
  amountMinor: bigint;
  /** Target per source, major units. */
  midRate: Ratio;
  spreadBps: number;
  markupBps: number;
  fee: FeeSchedule;
}

/** A fee in its parts, in source minor units: fixedMinor + percentageMinor + adjustmentMinor = feeMinor. */
export interface FeeParts {
  fixedMinor: bigint;
  /** ceil(send x percentBps / 10000). */
  percentageMinor: bigint;
  /** What the schedule's minimum added (> 0) or its maximum took off (< 0); 0 when neither applied. */
  adjustmentMinor: bigint;
  feeMinor: bigint;
}

export interface QuoteCalculation {
  sendMinor: bigint;
  receiveMinor: bigint;
  feeMinor: bigint;
  totalCostMinor: bigint;
  rate: Ratio;
  midRate: Ratio;
  /** The fee's parts (their sum is feeMinor). */
  feeParts: FeeParts;
  /** The margin in the send amount, as the ledger posts it; principalMinor + spreadMinor = sendMinor. */
  spreadMinor: bigint;
  principalMinor: bigint;
}

export const BPS = 10_000n;

export const ROUNDING = { receive: 'floor', send: 'ceil', fee: 'ceil' } as const;

/** The mid rate less spread and markup, both taken against the customer. */
export function customerRate(mid: Ratio, spreadBps: number, markupBps: number): Ratio {
  for (const [name, value] of [
    ['spreadBps', spreadBps],
    ['markupBps', markupBps],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 0)
      throw new RangeError(`${name} must be a whole number >= 0`);
  }
  const margin = BigInt(spreadBps + markupBps);
  if (margin >= BPS) throw new RangeError('spread and markup together must stay below 10000 bps');
  return ratio(mid.num * (BPS - margin), mid.den * BPS);
}

/** The fee for a send amount: fixed plus the percentage (rounded up), kept within [min, max]. */
export function computeFee(sendMinor: bigint, schedule: FeeSchedule): bigint {
  return computeFeeParts(sendMinor, schedule).feeMinor;
}

/** The fee for a send amount with its parts: the fixed part, the percentage, and the clamp to [min, max]. */
export function computeFeeParts(sendMinor: bigint, schedule: FeeSchedule): FeeParts {
  const { fixedMinor, percentBps, minMinor, maxMinor } = schedule;
  if (fixedMinor < 0n || minMinor < 0n || (maxMinor !== null && maxMinor < minMinor)) {
    throw new RangeError('a fee schedule needs 0 <= fixed, 0 <= min <= max');
  }
  const percentageMinor = mulDiv(sendMinor, BigInt(percentBps), BPS, ROUNDING.fee);
  const unclamped = fixedMinor + percentageMinor;
  let feeMinor = unclamped;
  if (feeMinor < minMinor) feeMinor = minMinor;
  else if (maxMinor !== null && feeMinor > maxMinor) feeMinor = maxMinor;
  return { fixedMinor, percentageMinor, adjustmentMinor: feeMinor - unclamped, feeMinor };
}

/**
 * The spread income in a quote, in source minor units: the send amount less what the receive amount
 * costs at the mid rate, that cost rounded up, never below 0. The same arithmetic as the ledger's
 * `fxSpreadMinor` (libs/contracts), so that the breakdown a partner sees is the entry the ledger posts.
 */
export function spreadFor(
  sendMinor: bigint,
  receiveMinor: bigint,
  midRate: Ratio,
  source: string,
  target: string,
): bigint {
  const mid = minorRate(midRate, source, target);
  const costAtMidMinor = divRound(receiveMinor * mid.den, mid.num, ROUNDING.send);
  return costAtMidMinor >= sendMinor ? 0n : sendMinor - costAtMidMinor;
}

/** Target minor units that `sendMinor` source minor units buy at `rate`: rounded down (payee side). */
export function receiveFor(sendMinor: bigint, rate: Ratio, source: string, target: string): bigint {
  const m = minorRate(rate, source, target);
  return divRound(sendMinor * m.num, m.den, ROUNDING.receive);
}

/** Source minor units needed so that the payee gets `receiveMinor`: rounded up (payer side). */
export function sendFor(receiveMinor: bigint, rate: Ratio, source: string, target: string): bigint {
  const m = minorRate(rate, source, target);
  return divRound(receiveMinor * m.den, m.num, ROUNDING.send);
}

export function calculateQuote(input: QuoteCalculationInput): QuoteCalculation {
  const { sourceCurrency: source, targetCurrency: target, fixedSide, amountMinor } = input;
  currencyExponent(source);
  currencyExponent(target);
  const field = fixedSide === 'send' ? 'sendAmount' : 'receiveAmount';
  if (amountMinor <= 0n || amountMinor > MAX_AMOUNT_MINOR) {
    throw new FxServiceError('INVALID_AMOUNT', `${field} is out of range`, { field });
  }
  const rate = customerRate(input.midRate, input.spreadBps, input.markupBps);
  const sendMinor = fixedSide === 'send' ? amountMinor : sendFor(amountMinor, rate, source, target);
  const receiveMinor = fixedSide === 'receive' ? amountMinor : receiveFor(amountMinor, rate, source, target);
  if (receiveMinor <= 0n) {
    throw new FxServiceError(
      'INVALID_AMOUNT',
      `${formatAmount(sendMinor, source)} ${source} buys less than ${formatAmount(1n, target)} ${target}`,
      { field },
    );
  }
  const feeParts = computeFeeParts(sendMinor, input.fee);
  const feeMinor = feeParts.feeMinor;
  const totalCostMinor = sendMinor + feeMinor;
  const spreadMinor = spreadFor(sendMinor, receiveMinor, input.midRate, source, target);
  for (const [value, name] of [
    [sendMinor, 'send amount'],
    [receiveMinor, 'receive amount'],
    [totalCostMinor, 'total cost'],
  ] as const) {
    if (value > MAX_AMOUNT_MINOR) {
      throw new FxServiceError('INVALID_AMOUNT', `the ${name} would be out of range`, { field });
    }
  }
  return {
    sendMinor,
    receiveMinor,
    feeMinor,
    totalCostMinor,
    rate,
    midRate: ratio(input.midRate.num, input.midRate.den),
    feeParts,
    spreadMinor,
    principalMinor: sendMinor - spreadMinor,
  };
}
