import {
  ConfirmationView,
  SettlementInstructionDetailView as InstructionDetailView,
  SettlementInstructionView as InstructionView,
  parseJsonBody,
} from '@concord/contracts';
import { formatAmount } from '@concord/money';
import { SettlementFailure } from './settlement-instructions.errors';

export type { ConfirmationView, InstructionDetailView, InstructionView };

export interface InstructionRow {
  id: string;
  windowId: number;
  participantId: string;
  currency: string;
  direction: string;
  amountMinor: bigint;
  confirmedMinor: bigint;
  valueDate: string;
  status: string;
  carriedToWindowId: number | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface ConfirmationRow {
  instructionId: string;
  bankReference: string;
  amountMinor: bigint;
  status: string;
  source: string;
  refusalCode: string | null;
  refusalDetail: string | null;
  requestedAt: Date | null;
  confirmedAt: Date | null;
  reversedAt: Date | null;
}

/** Minor units as a decimal string of the currency; plain minor units for a code the money lib lacks. */
function amount(minor: bigint, currency: string): string {
  try {
    return formatAmount(minor, currency);
  } catch {
    return minor.toString();
  }
}

export function toInstructionView(r: InstructionRow): InstructionView {
  const cancelled = r.status === 'cancelled';
  return {
    id: r.id,
    windowId: r.windowId,
    participantId: r.participantId,
    currency: r.currency,
    direction: r.direction as InstructionView['direction'],
    amount: amount(r.amountMinor, r.currency),
    confirmed: amount(r.confirmedMinor, r.currency),
    outstanding: amount(cancelled ? 0n : r.amountMinor - r.confirmedMinor, r.currency),
    valueDate: r.valueDate,
    status: r.status as InstructionView['status'],
    ...(r.carriedToWindowId !== null ? { carriedToWindowId: r.carriedToWindowId } : {}),
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  };
}

export function toConfirmationView(c: ConfirmationRow, currency: string): ConfirmationView {
  return {
    bankReference: c.bankReference,
    amount: amount(c.amountMinor, currency),
    status: c.status as ConfirmationView['status'],
    source: c.source as ConfirmationView['source'],
    ...(c.requestedAt ? { requestedAt: c.requestedAt.toISOString() } : {}),
    ...(c.confirmedAt ? { confirmedAt: c.confirmedAt.toISOString() } : {}),
    ...(c.reversedAt ? { reversedAt: c.reversedAt.toISOString() } : {}),
    ...(c.refusalCode ? { refusal: { code: c.refusalCode, detail: c.refusalDetail ?? '' } } : {}),
  };
}

/** The JSON of a confirmation's body (the signed bytes), or the 400 that says it is not JSON. */
export function parseConfirmationBody(text: string): unknown {
  const json = parseJsonBody(text || 'null');
  if (!json.ok) throw new SettlementFailure({ kind: 'INVALID_BODY', errors: [json.error] });
  return json.value;
}

/** Picks JSON or CSV from an Accept header (q-values honoured, the first on a tie); null when neither fits. */
export function negotiateInstructionsFormat(accept: string | undefined): 'json' | 'csv' | null {
  if (!accept || accept.trim() === '') return 'json';
  let best: { format: 'json' | 'csv'; q: number } | null = null;
  for (const range of accept.split(',')) {
    const [type, ...params] = range.split(';').map((p) => p.trim().toLowerCase());
    const qParam = params.find((p) => p.startsWith('q='));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (!Number.isFinite(q) || q <= 0) continue;
    const format =
      type === 'text/csv'
        ? 'csv'
        : type === 'application/json' || type === 'application/*' || type === '*/*'
          ? 'json'
          : null;
    if (format && (!best || q > best.q)) best = { format, q };
  }
  return best?.format ?? null;
}
