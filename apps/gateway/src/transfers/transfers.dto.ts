import {
  decodePageCursor,
  encodePageCursor,
  TransferView,
  TransferViewStatus,
  transferListQuerySchema,
} from '@concord/contracts';
import { formatAmount } from '@concord/money';
import { fieldErrors } from '../problems/problem';
import { TransferFailure } from './transfers.errors';
import type { TransferRow, TransfersRepository } from './transfers.repository';

type TransferListFilter = Parameters<TransfersRepository['list']>[0];

export type { TransferView };

/** A transfer row as the API shows it (the contract's TransferView): amounts as decimal strings. */
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
    status: row.status as TransferViewStatus,
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

/** `GET /v1/transfers`'s query (the contract's schema) as the repository's filter of the caller's rows. */
export function transferListFilter(participantId: string, query: unknown): TransferListFilter {
  const parsed = transferListQuerySchema.safeParse(query);
  if (!parsed.success) {
    throw new TransferFailure({ kind: 'INVALID_QUERY', errors: fieldErrors(parsed.error.issues, '(query)') });
  }
  const q = parsed.data;
  return {
    participantId,
    role: q.role,
    status: q.status,
    currency: q.currency,
    from: q.from ? new Date(q.from) : undefined,
    to: q.to ? new Date(q.to) : undefined,
    before: q.cursor ? decodePageCursor(q.cursor) : undefined,
    limit: q.limit,
  };
}

/** A page of transfers, with the cursor of the next one when the page is full. */
export function transferPage(rows: TransferRow[], limit: number) {
  const last = rows[rows.length - 1];
  return {
    transfers: rows.map(toTransferView),
    nextCursor: rows.length === limit && last ? encodePageCursor(last.createdAt, last.id) : null,
  };
}

/** The ledger has decided on the transfer (`?wait=` on creation returns then, `reserved` included). */
export const isSettled = (status: string): boolean => status !== 'accepted' && status !== 'held';

/** A reserved transfer's fulfil or abort has been decided. */
export const isCompleted = (status: string): boolean => isSettled(status) && status !== 'reserved';
