import type { ClearingEvent, WindowStatus } from '@concord/contracts';
import { Bilateral, GrossPosition, netPositions, Netting, valueDateOf } from '../netting/netting';
import { InstructionRecord, instructionMessage } from '../instructions/instruction.state';
import type { WindowError } from './windows.errors';

/**
 * The life of a settlement window as pure transitions (no I/O, no clock: the caller passes `now`):
 *
 *   open --close--> closed --instruct--> settling --settle--> settled
 *                                            \--abort--> aborted
 *
 * A close freezes the window's gross positions and records their netting; `instruct` follows once its
 * instructions are written; the window settles when every instruction is fully confirmed, or is aborted
 * (nothing confirmed) and its positions are carried into the open window of its currency. The service
 * runs these inside the transaction that locks the window; the repository stores what they decide.
 */
export type WindowStep = 'close' | 'instruct' | 'settle' | 'abort';

const TRANSITIONS: Readonly<Record<WindowStatus, Partial<Record<WindowStep, WindowStatus>>>> = {
  open: { close: 'closed' },
  closed: { instruct: 'settling' },
  settling: { settle: 'settled', abort: 'aborted' },
  settled: {},
  aborted: {},
};

/** The status a step leads to from `status`, or null when the step does not apply there. */
export function nextStatus(status: string, step: WindowStep): WindowStatus | null {
  return TRANSITIONS[status as WindowStatus]?.[step] ?? null;
}

export type CloseReason = 'schedule' | 'operator';

/** A close's request id as recorded before: its kind of command, its currency and the window it closed. */
export interface SeenRequest {
  type: string;
  /** Null on rows from before currencies were recorded: they count as this request. */
  currency: string | null;
  windowId: number | null;
}

/**
 * What a close whose request id was claimed before answers: the window that request closed (or null when
 * it closed none), or a refusal when the id named another request (another kind of command, or a close
 * of another currency).
 */
export function replayedClose(
  requestId: string,
  currency: string,
  seen: SeenRequest,
): { windowId: number | null } | { error: WindowError } {
  if (seen.type !== 'close-window' || (seen.currency !== null && seen.currency !== currency))
    return {
      error: {
        kind: 'IDEMPOTENCY_KEY_REUSED',
        requestId,
        seenType: seen.type,
        seenCurrency: seen.currency,
        currency,
      },
    };
  return { windowId: seen.windowId };
}

export interface OpenWindow {
  id: number;
  currency: string;
  fromHeight: number;
}

export interface CloseRequest {
  reason: CloseReason;
  now: Date;
  valueDateDays: number;
  /** The schedule leaves a window without transfers open; an operator's close always closes. */
  skipEmpty: boolean;
}

/** A decided close: the closed window's row, the next window's first height, and the event. */
export interface WindowClose {
  windowId: number;
  currency: string;
  fromHeight: number;
  toHeight: number;
  closedAt: Date;
  reason: CloseReason;
  valueDate: string;
  netting: Netting;
  /** Where the next open window of the currency starts. */
  nextFromHeight: number;
  event: ClearingEvent;
}

/**
 * Closes an open window at the last block clearing has taken in (`topHeight`), or null when the schedule
 * finds it empty. A window that took no block since it opened ends just before it began. Throws when the
 * window's positions do not balance: a bug, not a refusal.
 */
export function closeWindow(
  open: OpenWindow,
  gross: readonly GrossPosition[],
  bilateral: readonly Bilateral[],
  topHeight: number,
  request: CloseRequest,
): WindowClose | null {
  if (request.skipEmpty && gross.length === 0) return null;
  const toHeight = Math.max(topHeight, open.fromHeight - 1);
  const netting = netPositions(gross);
  // Every move was added to its payer's sent and its payee's received, so a window's net positions sum to
  // zero. If they do not, a row was lost or doubled, and nothing may be instructed from it.
  const imbalanceMinor = netting.positions.reduce((sum, p) => sum + p.netMinor, 0n);
  if (imbalanceMinor !== 0n)
    throw new Error(`window ${open.id} does not balance: its net positions sum to ${imbalanceMinor}`);
  const { currency } = open;
  const event: ClearingEvent = {
    v: 1,
    type: 'window.closed',
    eventId: `window.closed:${open.id}`,
    windowId: open.id,
    currency,
    fromHeight: open.fromHeight,
    toHeight,
    closedAt: request.now.toISOString(),
    reason: request.reason,
    grossMinor: netting.grossMinor.toString(),
    netMovedMinor: netting.netMovedMinor.toString(),
    efficiencyBps: netting.efficiencyBps,
    positions: netting.positions.map((p) => ({
      participantId: p.participantId,
      sentMinor: p.sentMinor.toString(),
      receivedMinor: p.receivedMinor.toString(),
      netMinor: p.netMinor.toString(),
    })),
    bilateral: bilateral.map((b) => ({
      payer: b.payer,
      payee: b.payee,
      amountMinor: b.amountMinor.toString(),
      count: b.count,
    })),
  };
  return {
    windowId: open.id,
    currency,
    fromHeight: open.fromHeight,
    toHeight,
    closedAt: request.now,
    reason: request.reason,
    valueDate: valueDateOf(request.now, request.valueDateDays),
    netting,
    nextFromHeight: toHeight + 1,
    event,
  };
}

/**
 * Settles a settling window whose instructions (in participant order) are all fully confirmed: a window
 * with no instructions (nobody pays anything) settles as soon as it is instructed. Null otherwise.
 */
export function settleWindow(
  window: { id: number; currency: string; status: string },
  instructions: readonly InstructionRecord[],
  now: Date,
): { settledAt: Date; event: ClearingEvent } | null {
  if (nextStatus(window.status, 'settle') === null) return null;
  if (instructions.some((i) => i.status !== 'confirmed')) return null;
  return {
    settledAt: now,
    event: {
      v: 1,
      type: 'window.settled',
      eventId: `window.settled:${window.id}`,
      windowId: window.id,
      currency: window.currency,
      settledAt: now.toISOString(),
      instructions: instructions.map(instructionMessage),
    },
  };
}

/**
 * Whether a window may be aborted: it is settling and nothing of it was confirmed (a bank moved
 * money that the abort would forget). Null when it may; the refusal otherwise.
 */
export function abortRefusal(windowId: number, status: string, confirmedMinor: bigint): WindowError | null {
  if (nextStatus(status, 'abort') === null)
    return { kind: 'WINDOW_NOT_ABORTABLE', windowId, status, confirmed: false };
  if (confirmedMinor !== 0n) return { kind: 'WINDOW_NOT_ABORTABLE', windowId, status, confirmed: true };
  return null;
}

/**
 * The events of an abort: each participant hears that its instruction is void (in participant order,
 * under the currency's key as its other events), then the window's own.
 */
export function abortEvents(
  window: { id: number; currency: string },
  cancelled: readonly Omit<InstructionRecord, 'status'>[],
  carriedToWindowId: number,
  abortedAt: Date,
): ClearingEvent[] {
  const events: ClearingEvent[] = [...cancelled]
    .sort((a, b) => a.participantId.localeCompare(b.participantId))
    .map((i) => ({
      v: 1 as const,
      type: 'instruction.cancelled' as const,
      eventId: `instruction.cancelled:${i.id}`,
      instruction: instructionMessage(i),
      cancelledAt: abortedAt.toISOString(),
      carriedToWindowId,
    }));
  events.push({
    v: 1,
    type: 'window.aborted',
    eventId: `window.aborted:${window.id}`,
    windowId: window.id,
    currency: window.currency,
    abortedAt: abortedAt.toISOString(),
    carriedToWindowId,
  });
  return events;
}
