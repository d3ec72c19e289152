import { formatAmount } from '@concord/money';
import { instructionsCsv as contractsInstructionsCsv } from '@concord/contracts';
import type { InstructionRow, WindowDetail, WindowRow } from '../clearing.repository';

/** Minor units as the currency's decimal string ("125.50" USD); plain minor units for an unknown code. */
export function amount(minor: bigint, currency: string): string {
  try {
    return formatAmount(minor, currency);
  } catch {
    return minor.toString();
  }
}

export function windowView(w: WindowRow) {
  return {
    id: w.id,
    currency: w.currency,
    status: w.status,
    openedAt: w.openedAt.toISOString(),
    closedAt: w.closedAt?.toISOString() ?? null,
    settledAt: w.settledAt?.toISOString() ?? null,
    fromHeight: w.fromHeight,
    toHeight: w.toHeight,
    closeReason: w.closeReason,
    valueDate: w.valueDate,
    abortedAt: w.abortedAt?.toISOString() ?? null,
    carriedToWindowId: w.carriedToId,
  };
}

export function windowDetailView({ window: w, netting, bilateral }: WindowDetail) {
  const c = w.currency;
  return {
    ...windowView(w),
    gross: amount(netting.grossMinor, c),
    netMoved: amount(netting.netMovedMinor, c),
    efficiencyBps: netting.efficiencyBps,
    positions: netting.positions.map((p) => ({
      participantId: p.participantId,
      sent: amount(p.sentMinor, c),
      received: amount(p.receivedMinor, c),
      net: amount(p.netMinor, c),
    })),
    bilateral: bilateral.map((b) => ({
      payer: b.payer,
      payee: b.payee,
      amount: amount(b.amountMinor, c),
      count: b.count,
    })),
  };
}

export function instructionView(i: InstructionRow) {
  return {
    id: i.id,
    windowId: i.windowId,
    participantId: i.participantId,
    currency: i.currency,
    direction: i.direction,
    amount: amount(i.amountMinor, i.currency),
    confirmed: amount(i.confirmedMinor, i.currency),
    outstanding: amount(i.amountMinor - i.confirmedMinor, i.currency),
    valueDate: i.valueDate,
    status: i.status,
  };
}

/** An instruction with the settlement bank's confirmations of it, reversed ones included. */
export function instructionDetailView(found: {
  instruction: InstructionRow;
  confirmations: { bankReference: string; amountMinor: bigint; createdAt: Date; reversedAt: Date | null }[];
}) {
  const { instruction } = found;
  return {
    ...instructionView(instruction),
    confirmations: found.confirmations.map((c) => ({
      bankReference: c.bankReference,
      amount: amount(c.amountMinor, instruction.currency),
      at: c.createdAt.toISOString(),
      reversedAt: c.reversedAt?.toISOString() ?? null,
    })),
  };
}

/** An operator's close: the window closed, with its instructions. */
export function closedWindowView(closed: { detail: WindowDetail; instructions: InstructionRow[] }) {
  return { ...windowDetailView(closed.detail), instructions: closed.instructions.map(instructionView) };
}

/** A confirmation's answer: the instruction now, its window's status, and whether it was a replay. */
export function confirmationView(result: {
  instruction: InstructionRow;
  windowStatus: string | undefined;
  replayed: boolean;
}) {
  return {
    ...instructionView(result.instruction),
    windowStatus: result.windowStatus,
    replayed: result.replayed,
  };
}

/** RFC 4180 CSV of instructions, one header line, CRLF line ends (the columns of libs/contracts). */
export function instructionsCsv(rows: InstructionRow[]): string {
  return contractsInstructionsCsv(rows.map(instructionView));
}
