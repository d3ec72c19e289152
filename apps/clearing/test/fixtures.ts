import type { AccountLimit, FinalizedBlock, TransferOutcome } from '@concord/contracts';

const ZERO = '0'.repeat(64);

export const TEST_CHAIN_ID = 'clearing-test';

/**
 * A finalized block as the ledger publishes it (the clearing service trusts ledger.finalized). Its moves
 * are those of the outcomes unless given (a cross-currency transfer's legs, for instance).
 */
export function finalizedBlock(
  height: number,
  outcomes: Partial<TransferOutcome>[],
  accounts: {
    participantId: string;
    currency: string;
    balanceMinor: bigint;
    reservedMinor?: bigint;
    limit?: AccountLimit;
  }[] = [],
  moves?: FinalizedBlock['moves'],
): FinalizedBlock {
  return {
    v: 1,
    header: {
      chainId: TEST_CHAIN_ID,
      height,
      prevHash: ZERO,
      entriesRoot: ZERO,
      stateRoot: ZERO,
      blockTimeMs: 1_700_000_000_000 + height * 1000,
      entryCount: outcomes.length,
      firstOffset: String(height),
      lastOffset: String(height),
    },
    headerHash: height.toString(16).padStart(64, '0'),
    certificate: [],
    outcomes: outcomes.map((o, i) => ({
      transferId: `t-${height}-${i}`,
      status: 'committed',
      payer: 'a',
      payee: 'b',
      amountMinor: '100',
      currency: 'USD',
      ...o,
    })),
    participants: [],
    accounts: accounts.map((a) => ({
      id: `${a.participantId}/${a.currency}`,
      participantId: a.participantId,
      currency: a.currency,
      kind: 'position',
      balanceMinor: a.balanceMinor.toString(),
      reservedMinor: (a.reservedMinor ?? 0n).toString(),
      ...(a.limit ? { limit: a.limit } : {}),
    })),
    moves: moves ?? movesOf(outcomes),
    proposals: [],
    postings: [],
  };
}

/** The moves the ledger would publish for these outcomes: settling transfers between two participants. */
function movesOf(outcomes: Partial<TransferOutcome>[]): FinalizedBlock['moves'] {
  const sums = new Map<string, FinalizedBlock['moves'][number]>();
  for (const o of outcomes) {
    const t = { status: 'committed', payer: 'a', payee: 'b', amountMinor: '100', currency: 'USD', ...o };
    if (!['committed', 'fulfilled'].includes(t.status) || t.refusal) continue;
    if (t.payer === 'hub' || t.payee === 'hub' || t.payer === t.payee) continue;
    const key = `${t.payer} ${t.payee} ${t.currency}`;
    const m = sums.get(key) ?? {
      payer: t.payer,
      payee: t.payee,
      currency: t.currency,
      amountMinor: '0',
      count: 0,
    };
    sums.set(key, {
      ...m,
      amountMinor: (BigInt(m.amountMinor) + BigInt(t.amountMinor)).toString(),
      count: m.count + 1,
    });
  }
  return [...sums.values()];
}
