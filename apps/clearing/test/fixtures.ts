import type { FinalizedBlock, TransferOutcome } from '@concord/contracts';

const ZERO = '0'.repeat(64);

/** A finalized block as the ledger publishes it (the clearing service trusts ledger.finalized). */
export function finalizedBlock(
  height: number,
  outcomes: Partial<TransferOutcome>[],
  accounts: { participantId: string; currency: string; balanceMinor: bigint; reservedMinor?: bigint }[] = [],
): FinalizedBlock {
  return {
    v: 1,
    header: {
      chainId: 'clearing-test',
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
    })),
  };
}
