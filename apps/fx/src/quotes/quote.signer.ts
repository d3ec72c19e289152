import { FX_QUOTE_ROUNDING, FxQuote, quoteSigningPayload, UnsignedFxQuote } from '@concord/contracts';
import { signBytes, SigningKey } from '@concord/crypto';
import { formatAmount } from '@concord/money';
import { ratioView } from '../rates/ratio';
import type { FixedSide, QuoteCalculation } from './quote-calculator';

export interface QuoteMeta {
  id: string;
  keyId: string;
  fxProvider: string;
  sourceCurrency: string;
  targetCurrency: string;
  payer: string | null;
  payee: string | null;
  fixedSide: FixedSide;
  spreadBps: number;
  markupBps: number;
  rateSource: string;
  rateAsOfMs: number;
  createdAtMs: number;
  expiresAtMs: number;
}

/** The quote message of a calculation: minor units as strings, with their display forms. */
export function buildQuote(calc: QuoteCalculation, meta: QuoteMeta): UnsignedFxQuote {
  const { sourceCurrency: source, targetCurrency: target } = meta;
  return {
    v: 1,
    id: meta.id,
    keyId: meta.keyId,
    fxProvider: meta.fxProvider,
    sourceCurrency: source,
    targetCurrency: target,
    payer: meta.payer,
    payee: meta.payee,
    fixedSide: meta.fixedSide,
    sendAmountMinor: calc.sendMinor.toString(),
    receiveAmountMinor: calc.receiveMinor.toString(),
    feeMinor: calc.feeMinor.toString(),
    totalCostMinor: calc.totalCostMinor.toString(),
    sendAmount: formatAmount(calc.sendMinor, source),
    receiveAmount: formatAmount(calc.receiveMinor, target),
    fee: formatAmount(calc.feeMinor, source),
    totalCost: formatAmount(calc.totalCostMinor, source),
    rate: ratioView(calc.rate),
    midRate: ratioView(calc.midRate),
    spreadBps: meta.spreadBps,
    markupBps: meta.markupBps,
    rounding: { ...FX_QUOTE_ROUNDING },
    rateSource: meta.rateSource,
    rateAsOfMs: meta.rateAsOfMs,
    createdAtMs: meta.createdAtMs,
    expiresAtMs: meta.expiresAtMs,
  };
}

/** Signs the quote's payload (quoteSigningPayload) with the FX key. */
export function signQuote(quote: UnsignedFxQuote, key: SigningKey): FxQuote {
  return { ...quote, signature: signBytes(key, quoteSigningPayload(quote)) };
}
