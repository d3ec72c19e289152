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

export interface QuoteCalculation {
  sendMinor: bigint;
  receiveMinor: bigint;
  feeMinor: bigint;
  totalCostMinor: bigint;
  rate: Ratio;
  midRate: Ratio;
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
  const { fixedMinor, percentBps, minMinor, maxMinor } = schedule;
  if (fixedMinor < 0n || minMinor < 0n || (maxMinor !== null && maxMinor < minMinor)) {
    throw new RangeError('a fee schedule needs 0 <= fixed, 0 <= min <= max');
  }
  const fee = fixedMinor + mulDiv(sendMinor, BigInt(percentBps), BPS, ROUNDING.fee);
  if (fee < minMinor) return minMinor;
  if (maxMinor !== null && fee > maxMinor) return maxMinor;
  return fee;
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
  const feeMinor = computeFee(sendMinor, input.fee);
  const totalCostMinor = sendMinor + feeMinor;
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
  };
}
