import {
  checkQuote,
  FxQuote,
  fxQuoteLegs,
  fxSpreadMinor,
  TransferInstruction,
  TransferOutcome,
} from '@concord/contracts';
import { feesAccountId, positionAccountId } from './account-ids';
import type { RejectionReason } from './engine.errors';
import type { Leg, Posting, TransferTerms } from './engine.types';
import { assertRoom } from './engine.limits';
import type { LedgerState } from './ledger-state';
import { begin, newTransferRecord, schemeFeeLeg } from './transfer-start';

/**
 * A cross-currency transfer: linked legs through the FX provider's accounts, all posted or none. In the
 * source currency the payer pays the FX provider the converted principal (to its liquidity account) and
 * the spread and the fee (to its fee income account), each its own posting; in the target currency the
 * provider's liquidity account pays the payee the quoted receive amount. The quote is checked here,
 * deterministically: its signature by a genesis FX key, its expiry against the log time of the
 * instruction (of the prepare, for a two-phase transfer, which then holds the rate), and single use.
 */
export function applyConversion(
  state: LedgerState,
  t: TransferInstruction,
  key: string,
  amount: bigint,
  terms: TransferTerms,
  logTimeMs: number,
  postings: Posting[],
): TransferOutcome {
  const quote = t.quote!;
  const provider = quote.fxProvider;
  const payerSource = state.accounts.get(positionAccountId(t.payer, quote.sourceCurrency));
  const providerSource = state.accounts.get(positionAccountId(provider, quote.sourceCurrency));
  const providerFees = state.accounts.get(feesAccountId(provider, quote.sourceCurrency));
  const providerTarget = state.accounts.get(positionAccountId(provider, quote.targetCurrency));
  const payeeTarget = state.accounts.get(positionAccountId(t.payee, quote.targetCurrency));
  const check = checkQuote(quote, { publicKeys: state.fxKeys, nowMs: logTimeMs });
  const fee = BigInt(quote.feeMinor);
  const schemeFee = state.schemeFees.get(quote.sourceCurrency) ?? 0n;
  const received = BigInt(quote.receiveAmountMinor);
  const payee = state.participants.get(t.payee);
  const fxParticipant = state.participants.get(provider);
  const reason: RejectionReason | null = !check.ok
    ? check.reason === 'QUOTE_EXPIRED'
      ? 'QUOTE_EXPIRED'
      : 'QUOTE_INVALID'
    : state.usedQuotes.has(quote.id)
      ? 'QUOTE_ALREADY_USED'
      : t.currency !== quote.sourceCurrency ||
          amount !== BigInt(quote.sendAmountMinor) ||
          !fxQuoteLegs(quote, { payer: t.payer, payee: t.payee })
        ? 'QUOTE_MISMATCH'
        : t.payer === t.payee
          ? 'SAME_PARTICIPANT'
          : !payee || !fxParticipant
            ? 'UNKNOWN_PARTICIPANT'
            : payee.status !== 'active' || fxParticipant.status !== 'active'
              ? 'PARTICIPANT_NOT_ACTIVE'
              : !payerSource || !providerSource || !providerFees || !providerTarget || !payeeTarget
                ? 'UNKNOWN_ACCOUNT'
                : !state.hasHeadroom(payerSource, amount + fee + schemeFee) ||
                    !state.hasHeadroom(providerTarget, received)
                  ? 'INSUFFICIENT_FUNDS'
                  : null;
  if (reason || !payerSource || !providerSource || !providerFees || !providerTarget || !payeeTarget) {
    const record = newTransferRecord(t, key, amount, terms, 'rejected');
    record.reason = reason ?? 'UNKNOWN_ACCOUNT';
    state.recordTransfer(record);
    return state.outcomeOf(record);
  }
  const legs = conversionLegs(key, amount, quote, schemeFee, {
    payerSource: payerSource.id,
    providerSource: providerSource.id,
    providerFees: providerFees.id,
    providerTarget: providerTarget.id,
    payeeTarget: payeeTarget.id,
  });
  const bound = state.limits.maxUsedQuotes;
  assertRoom(state.usedQuotes.size, 1, bound, 'used quotes would exceed MAX_USED_QUOTES');
  state.usedQuotes.add(quote.id);
  const committed = newTransferRecord(t, key, amount, terms, 'committed', payerSource.id, payeeTarget.id);
  const reservations = [
    { accountId: payerSource.id, amountMinor: amount + fee + schemeFee },
    { accountId: providerTarget.id, amountMinor: received },
  ];
  begin(state, committed, legs, reservations, t, logTimeMs, postings);
  state.recordTransfer(committed);
  return state.outcomeOf(committed);
}

/**
 * The legs of an accepted conversion, in posting order: the converted principal and the spread and fee
 * income in the source currency, the scheme fee, then the payout in the target currency.
 */
function conversionLegs(
  key: string,
  amount: bigint,
  quote: FxQuote,
  schemeFee: bigint,
  accounts: Record<
    'payerSource' | 'providerSource' | 'providerFees' | 'providerTarget' | 'payeeTarget',
    string
  >,
): Leg[] {
  const spread = fxSpreadMinor(quote);
  const fee = BigInt(quote.feeMinor);
  const { payerSource, providerSource, providerFees, providerTarget, payeeTarget } = accounts;
  const legs: Leg[] = [
    { debit: payerSource, credit: providerSource, amountMinor: amount - spread, postingId: key },
  ];
  if (spread > 0n)
    legs.push({
      debit: payerSource,
      credit: providerFees,
      amountMinor: spread,
      postingId: `${key}:spread`,
    });
  if (fee > 0n)
    legs.push({ debit: payerSource, credit: providerFees, amountMinor: fee, postingId: `${key}:fee` });
  if (schemeFee > 0n) legs.push(schemeFeeLeg(payerSource, quote.sourceCurrency, schemeFee, key));
  const received = BigInt(quote.receiveAmountMinor);
  legs.push({ debit: providerTarget, credit: payeeTarget, amountMinor: received, postingId: key });
  return legs;
}
