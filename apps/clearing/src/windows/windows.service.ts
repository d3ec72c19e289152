import type { Logger } from '@concord/observability';
import type { ClearingMetrics } from '../clearing.metrics';
import type { ClearingRepository, InstructionRow, Tx, WindowDetail, WindowRow } from '../clearing.repository';
import type { ClearingOptions } from '../clearing.options';
import { createdEvent } from '../instructions/instruction.state';
import { netPositions, PlannedInstruction, settlementInstructions } from '../netting/netting';
import {
  abortEvents,
  abortRefusal,
  closeWindow,
  CloseReason,
  nextStatus,
  replayedClose,
  settleWindow,
} from './window.state';
import { WindowFailure } from './windows.errors';

/** What a close answers: the window closed (or closed before, `replayed`) and its instructions. */
export interface ClosedWindow {
  windowId: number;
  instructions: PlannedInstruction[];
  replayed?: boolean;
}

/**
 * Settlement windows: closes (the schedule's, operators' and their commands'), the instructions a close
 * writes, settling once every instruction is confirmed, and aborts. Each step locks the window in one
 * transaction, asks window.state.ts what follows, and writes that with its events.
 */
export class WindowsService {
  constructor(
    private readonly repo: ClearingRepository,
    private readonly log: Logger,
    private readonly metrics: ClearingMetrics,
    private readonly options: ClearingOptions,
  ) {}

  /**
   * Closes the open window of a currency and writes its instructions. The schedule leaves an empty window
   * open; an operator's close always closes. Null when there is no open window. With a request id seen
   * before, nothing more is closed: the answer is the window that request closed (`replayed: true`), or
   * null when it closed none.
   */
  async close(currency: string, reason: CloseReason, requestId?: string): Promise<ClosedWindow | null> {
    const closed = await this.repo.transaction((tx) => this.closeOpen(tx, currency, reason, requestId));
    if (!closed) {
      // A close of this currency that failed half-way (its request already claimed) is finished now.
      await this.recover();
      return null;
    }
    if ('replayed' in closed) {
      // The first request may have died before its instructions were written: finish them now.
      return {
        windowId: closed.windowId,
        instructions: await this.finishClose(closed.windowId),
        replayed: true,
      };
    }
    this.metrics.windowsClosed.inc({ currency, reason });
    this.log.info(
      {
        windowId: closed.windowId,
        currency,
        reason,
        requestId,
        heights: [closed.fromHeight, closed.toHeight],
        grossMinor: closed.netting.grossMinor.toString(),
        netMovedMinor: closed.netting.netMovedMinor.toString(),
        efficiencyBps: closed.netting.efficiencyBps,
      },
      'settlement window closed',
    );
    return { windowId: closed.windowId, instructions: await this.finishClose(closed.windowId) };
  }

  /**
   * The close itself, in one transaction: claims the request id, freezes the open window's positions at
   * the last block taken in, records its netting, opens the next window and announces the close. The
   * instructions are written by `finishClose`, which resumes after a crash.
   */
  private async closeOpen(tx: Tx, currency: string, reason: CloseReason, requestId: string | undefined) {
    const { windows, outbox } = this.repo.sql;
    if (requestId && !(await windows.claimClose(tx, requestId, currency))) {
      const replay = replayedClose(requestId, currency, await windows.seenRequest(tx, requestId));
      if ('error' in replay) throw new WindowFailure(replay.error);
      return replay.windowId === null ? null : { replayed: true as const, windowId: replay.windowId };
    }
    const open = await windows.lockOpen(tx, currency);
    if (!open) return null;
    const close = closeWindow(
      open,
      await windows.grossPositions(open.id, tx),
      await windows.bilateral(open.id, tx),
      await windows.topHeight(tx),
      {
        reason,
        now: new Date(),
        valueDateDays: this.options.valueDateDays,
        skipEmpty: reason === 'schedule',
      },
    );
    if (!close) return null;
    await windows.recordClose(tx, close, requestId);
    await outbox.event(tx, currency, close.event);
    return close;
  }

  /** Finishes closes a crash interrupted (at start-up). */
  async recover(): Promise<void> {
    for (const id of await this.repo.sql.windows.unfinishedCloses()) {
      this.log.warn({ windowId: id }, 'finishing an interrupted window close');
      await this.finishClose(id);
    }
    await this.options.onEvents?.();
  }

  /**
   * Writes the settlement instructions of a closed window and moves it to settling (settled at once when
   * nobody pays anything). Idempotent: each instruction has a unique key per window, participant and
   * currency, and is written with its event in one transaction, so running this again after a crash (at
   * any point) writes only what is missing.
   */
  private async finishClose(windowId: number): Promise<PlannedInstruction[]> {
    try {
      const instructions = await this.writeInstructions(windowId);
      for (const i of instructions)
        this.metrics.instructions.inc({ currency: i.currency, direction: i.direction });
      return instructions;
    } finally {
      await this.options.onEvents?.();
    }
  }

  private async writeInstructions(windowId: number): Promise<PlannedInstruction[]> {
    const { windows, instructions, outbox } = this.repo.sql;
    const window = await windows.find(windowId);
    if (!window || nextStatus(window.status, 'instruct') === null) return [];
    const planned = settlementInstructions(
      windowId,
      window.currency,
      netPositions(await windows.grossPositions(windowId)),
      window.valueDate!,
    );
    const fault = this.options.closeFault;
    let written = 0;
    for (const i of planned) {
      if (fault && written >= fault.afterInstructions) throw new Error('injected fault: crash during close');
      await this.repo.transaction(async (tx) => {
        if (await instructions.insert(tx, i)) await outbox.event(tx, i.currency, createdEvent(i));
      });
      written++;
    }
    await this.repo.transaction(async (tx) => {
      const locked = await windows.lock(tx, windowId);
      if (!locked || nextStatus(locked.status, 'instruct') === null) return;
      await windows.setSettling(tx, windowId);
      await this.settleIfComplete(tx, windowId);
    });
    return planned;
  }

  /**
   * Settles a settling window whose instructions are all fully confirmed, in the transaction of the step
   * that may have completed it (the last confirmation, or instructing a window where nobody pays).
   */
  async settleIfComplete(tx: Tx, windowId: number): Promise<boolean> {
    const { windows, instructions, outbox } = this.repo.sql;
    const window = await windows.lock(tx, windowId);
    if (!window) return false;
    const settled = settleWindow(
      { id: windowId, ...window },
      await instructions.ofWindow(windowId, tx),
      new Date(),
    );
    if (!settled) return false;
    await windows.setSettled(tx, windowId, settled.settledAt);
    await outbox.event(tx, window.currency, settled.event);
    return true;
  }

  /**
   * Aborts a settling window that has no confirmed amount: its instructions are cancelled and its gross
   * positions and bilateral obligations move into the open window of its currency, to be settled there.
   * Answers the aborted window.
   */
  async abort(windowId: number): Promise<WindowDetail> {
    const { windows, instructions, outbox } = this.repo.sql;
    const carriedToWindowId = await this.repo.transaction(async (tx) => {
      const window = await windows.lock(tx, windowId);
      if (!window) throw new WindowFailure({ kind: 'WINDOW_NOT_FOUND', windowId: windowId });
      const refusal = abortRefusal(windowId, window.status, await instructions.confirmedOf(tx, windowId));
      if (refusal) throw new WindowFailure(refusal);
      const { id: target } = await windows.lockOrOpen(tx, window.currency);
      await windows.carry(tx, windowId, target);
      const cancelled = await instructions.cancelAll(tx, windowId);
      const abortedAt = new Date();
      await windows.setAborted(tx, windowId, abortedAt, target);
      const events = abortEvents({ id: windowId, currency: window.currency }, cancelled, target, abortedAt);
      for (const event of events) await outbox.event(tx, window.currency, event);
      return target;
    });
    this.log.warn({ windowId, carriedToWindowId }, 'settlement window aborted');
    await this.options.onEvents?.();
    return this.detail(windowId);
  }

  /** The currencies with an open window: each needs its cut-off scheduled. */
  openCurrencies(): Promise<string[]> {
    return this.repo.sql.windows.openCurrencies();
  }

  list(filter: { currency?: string; status?: string; limit: number }): Promise<WindowRow[]> {
    return this.repo.sql.windows.list(filter);
  }

  async detail(windowId: number): Promise<WindowDetail> {
    const detail = await this.repo.windowDetail(windowId);
    if (!detail) throw new WindowFailure({ kind: 'WINDOW_NOT_FOUND', windowId: windowId });
    return detail;
  }

  async instructionsOf(windowId: number): Promise<InstructionRow[]> {
    const window = await this.repo.window(windowId);
    if (!window || window.currency === '')
      throw new WindowFailure({ kind: 'WINDOW_NOT_FOUND', windowId: windowId });
    return this.repo.instructions(windowId);
  }

  /**
   * An operator's close: the window closed with its instructions as they are now. With an idempotency
   * key (the close-window command's `requestId`: one namespace for both), a retry closes nothing more and
   * answers the window the first request closed (`replayed`).
   */
  async closeByOperator(currency: string, idempotencyKey: string | undefined) {
    const closed = await this.close(currency, 'operator', idempotencyKey);
    if (!closed) throw new WindowFailure({ kind: 'NO_OPEN_WINDOW', currency });
    return {
      detail: await this.detail(closed.windowId),
      instructions: await this.repo.instructions(closed.windowId),
      replayed: closed.replayed === true,
    };
  }
}
