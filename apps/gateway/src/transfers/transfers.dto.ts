import { formatAmount } from '@concord/money';

/** A transfer as the API shows it: amounts as decimal strings in the currency's exponent. */
export interface TransferView {
  id: string;
  status: string;
  reason?: string;
  payer: string;
  payee: string;
  amount: string;
  currency: string;
  twoPhase: boolean;
  blockHeight?: number;
  createdAt: string;
  finalizedAt?: string;
}

export function toTransferView(row: {
  id: string;
  status: string;
  reason: string | null;
  payer: string;
  payee: string;
  amountMinor: bigint;
  currency: string;
  twoPhase: boolean;
  blockHeight: number | null;
  createdAt: Date;
  finalizedAt: Date | null;
}): TransferView {
  return {
    id: row.id,
    status: row.status,
    ...(row.reason ? { reason: row.reason } : {}),
    payer: row.payer,
    payee: row.payee,
    amount: formatAmount(row.amountMinor, row.currency),
    currency: row.currency,
    twoPhase: row.twoPhase,
    ...(row.blockHeight !== null ? { blockHeight: row.blockHeight } : {}),
    createdAt: row.createdAt.toISOString(),
    ...(row.finalizedAt ? { finalizedAt: row.finalizedAt.toISOString() } : {}),
  };
}

/** The ledger has decided on the transfer (`?wait=` on creation returns then, `reserved` included). */
export const isSettled = (status: string): boolean => status !== 'accepted';

/** A reserved transfer's fulfil or abort has been decided. */
export const isCompleted = (status: string): boolean => status !== 'accepted' && status !== 'reserved';
