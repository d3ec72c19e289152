import type { ClearingCommandsMessage, ConfirmSettlementCommand, FinalizedBlock } from '@concord/contracts';
import type { Logger } from '@concord/observability';
import { ClearingError } from '../errors';
import type { ClearingMetrics } from '../metrics';
import type { PlannedInstruction } from '../netting/netting';
import { refusedPostings } from '../settlement/settlement-signer';
import { ClearingRepository, CloseFault, LimitCrossing } from './clearing.repository';

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

/** What the clearing service does, whatever asked for it: a block, a command, the schedule, the HTTP API. */
export class ClearingService {
  constructor(
    private readonly repo: ClearingRepository,
    private readonly log: Logger,
    private readonly metrics: ClearingMetrics,
    private readonly options: ClearingOptions,
  ) {}

  async applyBlock(block: FinalizedBlock): Promise<void> {
    const result = await this.repo.applyBlock(block, { alarmShareBps: this.options.alarmShareBps });
    if (!result.applied) return;
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

  async handleCommand(command: ClearingCommandsMessage): Promise<void> {
    if (command.type === 'confirm-settlement') return this.confirmForParticipant(command);
    try {
      const closed = await this.close(command.currency, 'operator', command.requestId);
      if (!closed || closed.replayed)
        this.log.info({ command }, 'close-window: nothing to close or already done');
    } catch (e) {
      // A request id already used for something else: the command is refused, the log goes on.
      if (!(e instanceof ClearingError)) throw e;
      this.log.warn({ command, code: e.code, err: e.message }, 'close-window refused');
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
      const found = await this.repo.instruction(command.instructionId);
      this.log.warn(
        { instructionId: command.instructionId, bankReference: command.bankReference, code: e.code },
        "a participant's confirmation was refused",
      );
      await this.repo.refuseConfirmation(
        command,
        { code: e.code, detail: e.message },
        found?.instruction.currency ?? command.instructionId,
      );
      await this.options.onEvents?.();
    }
  }

  /**
   * Closes the open window of a currency and writes its instructions. The schedule leaves an empty window
   * open; an operator's close always closes. Null when there is no open window. With a request id seen
   * before, nothing more is closed: the answer is the window that request closed (`replayed: true`), or
   * null when it closed none.
   */
  async close(
    currency: string,
    reason: 'schedule' | 'operator',
    requestId?: string,
  ): Promise<{ windowId: number; instructions: PlannedInstruction[]; replayed?: boolean } | null> {
    const closed = await this.repo.closeWindow(currency, {
      reason,
      requestId,
      now: new Date(),
      valueDateDays: this.options.valueDateDays,
      skipEmpty: reason === 'schedule',
    });
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
    const instructions = await this.finishClose(closed.windowId);
    return { windowId: closed.windowId, instructions };
  }

  /** Finishes closes a crash interrupted (at start-up). */
  async recover(): Promise<void> {
    for (const id of await this.repo.unfinishedCloses()) {
      this.log.warn({ windowId: id }, 'finishing an interrupted window close');
      await this.finishClose(id);
    }
    await this.options.onEvents?.();
  }

  private async finishClose(windowId: number): Promise<PlannedInstruction[]> {
    try {
      const instructions = await this.repo.finishClose(windowId, this.options.closeFault);
      for (const i of instructions)
        this.metrics.instructions.inc({ currency: i.currency, direction: i.direction });
      return instructions;
    } finally {
      await this.options.onEvents?.();
    }
  }

  async confirm(
    instructionId: string,
    bankReference: string,
    amountMinor: bigint,
    by?: { participantId: string },
  ) {
    const result = await this.repo.confirm(instructionId, bankReference, amountMinor, by);
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

  async abort(windowId: number) {
    const result = await this.repo.abort(windowId);
    this.log.warn({ windowId, carriedToWindowId: result.carriedToWindowId }, 'settlement window aborted');
    await this.options.onEvents?.();
    return result;
  }

  async reverse(instructionId: string, bankReference: string) {
    const instruction = await this.repo.reverse(instructionId, bankReference);
    this.log.warn({ instructionId, bankReference }, 'instruction confirmation reversed');
    await this.options.onEvents?.();
    return instruction;
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
