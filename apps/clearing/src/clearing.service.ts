import type { ClearingCommandsMessage, ConfirmSettlementCommand, FinalizedBlock } from '@concord/contracts';
import type { RawSql } from '@concord/db';
import { MoneyError, parseAmount } from '@concord/money';
import type { Logger } from '@concord/observability';
import { ClearingError } from './clearing.errors';
import type { ClearingMetrics } from './clearing.metrics';
import { ClearingRepository, InstructionRow, Tx, WindowDetail, WindowRow } from './clearing.repository';
import {
  confirmationChange,
  createdEvent,
  decideConfirmation,
  decideReversal,
  InstructionChange,
  refusedEvent,
  reversalChange,
  windowRefusal,
} from './instructions/instruction.state';
import { InstructionFailure } from './instructions/instructions.errors';
import {
  blockDeltas,
  netPositions,
  PlannedInstruction,
  settlementInstructions,
  settlingMoves,
} from './netting/netting';
import { LimitCrossing, limitCheck } from './positions/limit-alarm';
import { refusedPostings } from './settlement/settlement-signer';
import {
  abortEvents,
  abortRefusal,
  closeWindow,
  CloseReason,
  nextStatus,
  replayedClose,
  settleWindow,
} from './windows/window.state';
import { WindowFailure } from './windows/windows.errors';

export interface ClearingOptions {
  alarmShareBps: number;
  valueDateDays: number;
  /** Called when a currency gets its first window (to schedule its cut-off). */
  onNewCurrency?: (currency: string) => Promise<void>;
  /** Called after changes that wrote events or settlement postings (to publish the outbox). */
  onEvents?: () => Promise<void>;
  /** Test-only: crash a close after writing this many instructions. */
  closeFault?: CloseFault;
}

/** Test-only fault injection: throw after writing this many instructions of a close. */
export interface CloseFault {
  afterInstructions: number;
}

/** What a close answers: the window closed (or closed before, `replayed`) and its instructions. */
export interface ClosedWindow {
  windowId: number;
  instructions: PlannedInstruction[];
  replayed?: boolean;
}

/** What a confirmation answers: the instruction as it is now, and its window's status. */
export interface Confirmation {
  instruction: InstructionRow;
  replayed: boolean;
  settled: boolean;
}

/**
 * What the clearing service does, whatever asked for it: a block, a command, the schedule, the HTTP API.
 * Each operation locks what it changes in one transaction, asks the pure transitions of windows/ and
 * instructions/ what follows, and has the repository write that with its events; a refusal is a typed
 * failure that rolls the transaction back.
 */
export class ClearingService {
  constructor(
    private readonly repo: ClearingRepository,
    private readonly log: Logger,
    private readonly metrics: ClearingMetrics,
    private readonly options: ClearingOptions,
  ) {}

  // ---- finalized blocks ----

  async applyBlock(block: FinalizedBlock): Promise<void> {
    const result = await this.repo.blockTransaction((tx) => this.takeIn(tx, block));
    if (!result) return;
    this.metrics.blocks.inc();
    for (const c of result.crossings) this.reportCrossing(c);
    // A posting the ledger refused needs an operator: the bank moved the money, the ledger did not.
    for (const r of refusedPostings(block)) {
      this.metrics.postingsRefused.inc({ reason: r.reason });
      this.log.error(
        { postingId: r.postingId, reason: r.reason, height: block.header.height },
        'the ledger refused a settlement posting',
      );
    }
    for (const currency of result.openedCurrencies) await this.options.onNewCurrency?.(currency);
    if (result.crossings.length > 0) await this.options.onEvents?.();
  }

  /**
   * Adds one finalized block, once (a repeated height changes nothing; null then): the members it
   * announces, its moves to the open window of each currency (a gross settlement participant's side
   * replaced by the hub: the ledger settled it already, against that participant's prefunding), its
   * position accounts' balances and caps, and the limit alarms they trigger.
   */
  private async takeIn(
    tx: RawSql,
    block: FinalizedBlock,
  ): Promise<{ crossings: LimitCrossing[]; openedCurrencies: string[] } | null> {
    const { positions, windows, outbox } = this.repo.sql;
    const height = block.header.height;
    if (!(await positions.claimBlock(tx, block.header))) return null;
    await positions.recordParticipants(tx, block);
    const parties = [...new Set(block.moves.flatMap((m) => [m.payer, m.payee]))];
    const deltas = blockDeltas(settlingMoves(block, await positions.grossAmong(tx, parties)));
    // The open windows of the block's currencies, locked in currency order (the order in which blocks
    // always lock them); a currency without one gets it opened.
    const open = await windows.lockOpenOf(
      tx,
      deltas.map((d) => d.currency),
    );
    const openedCurrencies: string[] = [];
    for (const delta of deltas) {
      if (open.has(delta.currency)) continue;
      const { id, created } = await windows.lockOrOpen(tx, delta.currency);
      open.set(delta.currency, id);
      if (created) openedCurrencies.push(delta.currency);
    }
    await positions.addDeltas(tx, deltas, open, height);
    const crossings: LimitCrossing[] = [];
    const accounts = block.accounts.filter((a) => a.kind === 'position');
    if (accounts.length > 0) {
      await positions.upsertAccounts(tx, accounts, height);
      const locked = await positions.lockAccounts(
        tx,
        accounts.map((a) => a.id),
      );
      for (const account of locked) {
        const check = limitCheck(account, this.options.alarmShareBps, `h${height}`);
        if (check.alarmed !== null) await positions.setAlarmed(tx, account.id, check.alarmed);
        if (check.crossing && check.event) {
          await outbox.event(tx, `${account.participantId}/${account.currency}`, check.event);
          crossings.push(check.crossing);
        }
      }
    }
    return { crossings, openedCurrencies };
  }

  // ---- commands from clearing.commands ----

  async handleCommand(command: ClearingCommandsMessage): Promise<void> {
    if (command.type === 'confirm-settlement') return this.confirmForParticipant(command);
    try {
      const closed = await this.close(command.currency, 'operator', command.requestId);
      if (!closed || closed.replayed)
        this.log.info({ command }, 'close-window: nothing to close or already done');
    } catch (e) {
      // A request id already used for something else: the command is refused, the log goes on.
      if (!(e instanceof ClearingError)) throw e;
      this.log.warn({ command, code: e.code, err: e.detail }, 'close-window refused');
    }
  }

  /**
   * A participant's confirmation from the gateway, recorded as an operator's is; a refusal (over the
   * amount, a reused bank reference, a window not settling, a pay-in) is announced as
   * `confirmation.refused`, so that the participant sees it on the instruction.
   */
  private async confirmForParticipant(command: ConfirmSettlementCommand): Promise<void> {
    try {
      await this.confirm(command.instructionId, command.bankReference, BigInt(command.amountMinor), {
        participantId: command.participantId,
      });
    } catch (e) {
      if (!(e instanceof ClearingError)) throw e;
      const found = await this.repo.sql.instructions.find(command.instructionId);
      this.log.warn(
        { instructionId: command.instructionId, bankReference: command.bankReference, code: e.code },
        "a participant's confirmation was refused",
      );
      // In a transaction of its own: the confirmation's was rolled back.
      const event = refusedEvent(command, { code: e.code, detail: e.detail });
      await this.repo.transaction((tx) =>
        this.repo.sql.outbox.event(tx, found?.instruction.currency ?? command.instructionId, event),
      );
      await this.options.onEvents?.();
    }
  }

  // ---- windows ----

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

  /** Settles a settling window whose instructions are all fully confirmed (the window row is locked). */
  private async settleIfComplete(tx: Tx, windowId: number): Promise<boolean> {
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
      if (!window) throw new WindowFailure({ kind: 'WINDOW_NOT_FOUND', windowId: String(windowId) });
      const refusal = abortRefusal(windowId, window.status, await instructions.confirmedOf(tx, windowId));
      if (refusal) throw new WindowFailure(refusal);
      const { id: target } = await windows.lockOrOpen(tx, window.currency);
      await windows.carry(tx, windowId, target);
      const cancelled = await instructions.cancelAll(tx, windowId);
      const abortedAt = new Date();
      await windows.setAborted(tx, windowId, abortedAt, target);
      for (const event of abortEvents(
        { id: windowId, currency: window.currency },
        cancelled,
        target,
        abortedAt,
      ))
        await outbox.event(tx, window.currency, event);
      return target;
    });
    this.log.warn({ windowId, carriedToWindowId }, 'settlement window aborted');
    await this.options.onEvents?.();
    return this.windowDetail(windowId);
  }

  // ---- instructions ----

  /**
   * Records a (partial) confirmation of the external settlement, with its settlement posting for the
   * ledger; the same reference and amount again is a no-op. `by` is a participant confirming its own
   * pay-out; without it, the operator (see decideConfirmation).
   */
  async confirm(
    instructionId: string,
    bankReference: string,
    amountMinor: bigint,
    by?: { participantId: string },
  ): Promise<Confirmation> {
    const result = await this.repo.transaction(async (tx): Promise<Confirmation> => {
      const { instructions } = this.repo.sql;
      const instruction = await this.lockInstruction(tx, instructionId, 'confirm');
      const recorded = await instructions.confirmation(tx, instructionId, bankReference);
      const decision = decideConfirmation(instruction, bankReference, amountMinor, recorded, by);
      if (decision.kind === 'refused') throw new InstructionFailure(decision.error);
      if (decision.kind === 'replayed') return { instruction, replayed: true, settled: false };
      const confirmationId = await instructions.insertConfirmation(
        tx,
        instructionId,
        bankReference,
        amountMinor,
        decision.source,
      );
      const change = confirmationChange(instruction, bankReference, amountMinor, confirmationId, decision);
      const updated = await this.record(tx, instruction, change);
      const settled = await this.settleIfComplete(tx, instruction.windowId);
      return { instruction: updated, replayed: false, settled };
    });
    if (!result.replayed) {
      this.log.info(
        {
          instructionId,
          bankReference,
          amountMinor: amountMinor.toString(),
          by: by?.participantId ?? 'operator',
        },
        'instruction confirmed',
      );
      await this.options.onEvents?.();
    }
    if (result.settled) {
      this.log.info({ windowId: result.instruction.windowId }, 'settlement window settled');
    }
    return result;
  }

  /** Undoes a confirmation (a bank recall or a mistake) with a reversing posting, while the window settles. */
  async reverse(instructionId: string, bankReference: string): Promise<InstructionRow> {
    const instruction = await this.repo.transaction(async (tx) => {
      const { instructions } = this.repo.sql;
      const locked = await this.lockInstruction(tx, instructionId, 'reverse');
      const recorded = await instructions.confirmation(tx, instructionId, bankReference, true);
      const decision = decideReversal(locked, bankReference, recorded);
      if ('error' in decision) throw new InstructionFailure(decision.error);
      await instructions.markReversed(tx, decision.reversed.id);
      const updated = await this.record(tx, locked, reversalChange(locked, bankReference, decision));
      return updated;
    });
    this.log.warn({ instructionId, bankReference }, 'instruction confirmation reversed');
    await this.options.onEvents?.();
    return instruction;
  }

  /** Writes what a confirmation or reversal changes: the instruction, its ledger posting and its event. */
  private async record(tx: Tx, instruction: InstructionRow, change: InstructionChange) {
    await this.repo.sql.outbox.posting(tx, change.posting);
    const updated = await this.repo.sql.instructions.setConfirmed(
      tx,
      instruction.id,
      change.confirmedMinor,
      change.status,
    );
    await this.repo.sql.outbox.event(tx, instruction.currency, change.event);
    return updated;
  }

  /** Locks an instruction's window, then the instruction: refused unless the window is settling. */
  private async lockInstruction(tx: Tx, instructionId: string, action: 'confirm' | 'reverse') {
    const { windows, instructions } = this.repo.sql;
    const windowId = await instructions.windowOf(tx, instructionId);
    if (windowId === null) throw new InstructionFailure({ kind: 'INSTRUCTION_NOT_FOUND', instructionId });
    const window = (await windows.lock(tx, windowId))!;
    const refusal = windowRefusal(windowId, window.status, action);
    if (refusal) throw new InstructionFailure(refusal);
    return instructions.lock(tx, instructionId);
  }

  // ---- what the operator API asks ----

  windows(filter: { currency?: string; status?: string; limit: number }): Promise<WindowRow[]> {
    return this.repo.sql.windows.list(filter);
  }

  async windowDetail(windowId: number): Promise<WindowDetail> {
    const detail = await this.repo.windowDetail(windowId);
    if (!detail) throw new WindowFailure({ kind: 'WINDOW_NOT_FOUND', windowId: String(windowId) });
    return detail;
  }

  async instructionsOf(windowId: number): Promise<InstructionRow[]> {
    const window = await this.repo.window(windowId);
    if (!window || window.currency === '')
      throw new WindowFailure({ kind: 'WINDOW_NOT_FOUND', windowId: String(windowId) });
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
      detail: await this.windowDetail(closed.windowId),
      instructions: await this.repo.instructions(closed.windowId),
      replayed: closed.replayed === true,
    };
  }

  async instruction(instructionId: string) {
    const found = await this.repo.sql.instructions.find(instructionId);
    if (!found) throw new InstructionFailure({ kind: 'INSTRUCTION_NOT_FOUND', instructionId });
    return found;
  }

  /**
   * The operator's confirmation of an amount in the instruction's currency (a decimal string, read here
   * because only the instruction knows its currency); answers the window's status too.
   */
  async confirmAmount(instructionId: string, bankReference: string, amount: string) {
    const { instruction } = await this.instruction(instructionId);
    let amountMinor: bigint;
    try {
      amountMinor = parseAmount(amount, instruction.currency);
    } catch (e) {
      if (!(e instanceof MoneyError)) throw e;
      throw new InstructionFailure({ kind: 'INVALID_AMOUNT', message: e.message });
    }
    const result = await this.confirm(instructionId, bankReference, amountMinor);
    const window = await this.repo.window(result.instruction.windowId);
    return { ...result, windowStatus: window?.status };
  }

  private reportCrossing(c: LimitCrossing): void {
    const fields = {
      participantId: c.participantId,
      currency: c.currency,
      height: c.height,
      positionMinor: c.positionMinor.toString(),
      capMinor: c.capMinor.toString(),
      thresholdMinor: c.thresholdMinor.toString(),
    };
    if (c.kind === 'alarm') {
      this.metrics.limitAlarms.inc({ currency: c.currency });
      this.log.warn(fields, 'limit alarm: position below the alarm share of its net debit cap');
    } else {
      this.log.info(fields, 'limit alarm cleared: position back above the threshold');
    }
  }
}
