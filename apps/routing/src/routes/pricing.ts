import { currencyExponent, divRound, mulDiv } from '@concord/money';

/** A rate as the FX quote states it: `num / den` target major units per source major unit. */
export interface Ratio {
  num: bigint;
  den: bigint;
}

/** What pricing needs of an FX quote (or of a same-currency corridor, which has none). */
export interface FxTerms {
  sourceCurrency: string;
  targetCurrency: string;
  /** What is converted and what arrives, minor units of each side. */
  sendMinor: bigint;
  receiveMinor: bigint;
  feeMinor: bigint;
  rate: Ratio;
  midRate: Ratio;
}

export interface FeeSchedule {
  fixedMinor: bigint;
  bps: number;
}

/** One option's money: what the recipient gets and the sender's cost in its parts, all bigint minor units. */
export interface Price {
  /** What the payout partner receives on the ledger (target currency) and pays out less its fee. */
  payoutMinor: bigint;
  recipientMinor: bigint;
  partnerFeeMinor: bigint;
  /** Send currency. */
  sendMinor: bigint;
  totalPaidMinor: bigint;
  spreadMinor: bigint;
  partnerFeeSendMinor: bigint;
  networkFeeMinor: bigint;
  totalCostMinor: bigint;
  costBps: number;
}

/** The partner's fee on a payout of `payoutMinor`: fixed plus bps, rounded up (the partner's favour). */
export function partnerFee(payoutMinor: bigint, fee: FeeSchedule): bigint {
  return fee.fixedMinor + mulDiv(payoutMinor, BigInt(fee.bps), 10_000n, 'ceil');
}

/** The payout a partner must receive so that, less its fee, the recipient gets `recipientMinor`. */
export function payoutFor(recipientMinor: bigint, fee: FeeSchedule): bigint {
  let payout = mulDiv(recipientMinor + fee.fixedMinor, 10_000n, BigInt(10_000 - fee.bps), 'ceil');
  // The ceil of the fee may still leave the recipient a minor unit short: step up until it does not.
  while (payout - partnerFee(payout, fee) < recipientMinor) payout += 1n;
  return payout;
}

/**
 * Converts target minor units to source minor units at `rate` (target per source, major units), rounding
 * up: a cost is never understated.
 */
export function toSource(targetMinor: bigint, rate: Ratio, source: string, target: string): bigint {
  const shift = currencyExponent(source) - currencyExponent(target);
  const num = targetMinor * rate.den * (shift >= 0 ? 10n ** BigInt(shift) : 1n);
  const den = rate.num * (shift < 0 ? 10n ** BigInt(-shift) : 1n);
  return divRound(num, den, 'ceil');
}

/**
 * Prices a payout through one partner on FX terms: the recipient gets the quote's receive amount less the
 * partner's fee; the sender's cost is the FX spread against the mid rate, the partner's fee at mid, and the
 * FX fee (the network fee). Cost in basis points is taken against the value converted.
 */
export function price(fx: FxTerms, fee: FeeSchedule, schemeFeeMinor = 0n): Price {
  const payoutMinor = fx.receiveMinor;
  const partnerFeeMinor = partnerFee(payoutMinor, fee);
  const recipientMinor = payoutMinor - partnerFeeMinor;
  const atMid = fx.sourceCurrency === fx.targetCurrency ? fx.sendMinor : midValue(fx);
  const spreadMinor = fx.sendMinor > atMid ? fx.sendMinor - atMid : 0n;
  const partnerFeeSendMinor =
    fx.sourceCurrency === fx.targetCurrency
      ? partnerFeeMinor
      : toSource(partnerFeeMinor, fx.midRate, fx.sourceCurrency, fx.targetCurrency);
  const networkFeeMinor = fx.feeMinor + schemeFeeMinor;
  const totalCostMinor = spreadMinor + partnerFeeSendMinor + networkFeeMinor;
  return {
    payoutMinor,
    recipientMinor,
    partnerFeeMinor,
    sendMinor: fx.sendMinor,
    totalPaidMinor: fx.sendMinor + networkFeeMinor,
    spreadMinor,
    partnerFeeSendMinor,
    networkFeeMinor,
    totalCostMinor,
    costBps: Number((totalCostMinor * 10_000n) / fx.sendMinor),
  };
}

/** What the quote's receive amount is worth at the mid rate, source minor units (rounded up). */
function midValue(fx: FxTerms): bigint {
  return toSource(fx.receiveMinor, fx.midRate, fx.sourceCurrency, fx.targetCurrency);
}

/**
 * Local terms from a rate seen recently, for ranking before any quote is signed: the receive amount of
 * `sendMinor` at `rate` (rounded down, as the FX service rounds), and the fee scaled from the sample.
 */
export function localTerms(
  sample: FxTerms,
  fixed: { sendMinor: bigint } | { receiveMinor: bigint },
): FxTerms {
  const shift = currencyExponent(sample.targetCurrency) - currencyExponent(sample.sourceCurrency);
  const scale = (x: bigint) => (shift >= 0 ? x * 10n ** BigInt(shift) : x);
  const unscale = shift >= 0 ? 1n : 10n ** BigInt(-shift);
  let sendMinor: bigint;
  let receiveMinor: bigint;
  if ('sendMinor' in fixed) {
    sendMinor = fixed.sendMinor;
    receiveMinor = divRound(scale(sendMinor * sample.rate.num), sample.rate.den * unscale, 'floor');
  } else {
    receiveMinor = fixed.receiveMinor;
    sendMinor = toSource(receiveMinor, sample.rate, sample.sourceCurrency, sample.targetCurrency);
  }
  const feeMinor = mulDiv(sample.feeMinor, sendMinor, sample.sendMinor, 'ceil');
  return { ...sample, sendMinor, receiveMinor, feeMinor };
}

/** Same-currency terms: nothing converted, no FX fee. */
export function sameCurrencyTerms(currency: string, amountMinor: bigint): FxTerms {
  const one = { num: 1n, den: 1n };
  return {
    sourceCurrency: currency,
    targetCurrency: currency,
    sendMinor: amountMinor,
    receiveMinor: amountMinor,
    feeMinor: 0n,
    rate: one,
    midRate: one,
  };
}
