import type { ClearingCommand, FinalizedBlock } from '@concord/contracts';
import type { Logger } from '@concord/observability';
import type { ClearingMetrics } from '../metrics';
import type { PlannedInstruction } from '../netting/netting';
import { ClearingRepository, CloseFault, LimitCrossing } from './clearing.repository';

export interface ClearingOptions {
  alarmShareBps: number;
  valueDateDays: number;
  /** Called when a currency gets its first window (to schedule its cut-off). */
  onNewCurrency?: (currency: string) => Promise<void>;
  /** Called after changes that wrote events (to publish the outbox). */
  onEvents?: () => Promise<void>;
  /** Where settled windows go for posting in the ledger; none today (see SettlementPostingHook). */
  postingHook?: SettlementPostingHook;
  /** Test-only: crash a close after writing this many instructions. */
  closeFault?: CloseFault;
}

/**
 * Hook for the ledger posting of settlement entries against the settlement accounts. The ledger has no
 * such command yet: today the `window.settled` event on clearing.events is the hand-off point.
 */
export interface SettlementPostingHook {
  windowSettled(windowId: number): Promise<void>;
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
    const result = await this.repo.applyBlock(block, this.options.alarmShareBps);
    if (!result.applied) return;
    this.metrics.blocks.inc();
    for (const c of result.crossings) this.reportCrossing(c);
    for (const currency of result.openedCurrencies) await this.options.onNewCurrency?.(currency);
    if (result.crossings.length > 0) await this.options.onEvents?.();
  }

  async handleCommand(command: ClearingCommand): Promise<void> {
    if (command.type === 'close-window') {
      const closed = await this.close(command.currency, 'operator', command.requestId);
      if (!closed) this.log.info({ command }, 'close-window: nothing to close or already done');
      return;
    }
    const result = await this.repo.setCap(
      command.requestId,
      command.participantId,
      command.currency,
      command.capMinor === null ? null : BigInt(command.capMinor),
      this.options.alarmShareBps,
    );
    if (!result.applied) return;
    this.log.info(
      { participantId: command.participantId, currency: command.currency, capMinor: command.capMinor },
      'net debit cap set',
    );
    if (result.crossing) {
      this.reportCrossing(result.crossing);
      await this.options.onEvents?.();
    }
  }

  /**
   * Closes the open window of a currency and writes its instructions. The schedule leaves an empty window
   * open; an operator's close always closes. Null when there is no open window (or the request was seen).
   */
  async close(
    currency: string,
    reason: 'schedule' | 'operator',
    requestId?: string,
  ): Promise<{ windowId: number; instructions: PlannedInstruction[] } | null> {
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
    this.metrics.windowsClosed.inc({ currency, reason });
    this.log.info(
      {
        windowId: closed.windowId,
        currency,
        reason,
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

  async confirm(instructionId: string, bankReference: string, amountMinor: bigint) {
    const result = await this.repo.confirm(instructionId, bankReference, amountMinor);
    if (!result.replayed) {
      this.log.info(
        { instructionId, bankReference, amountMinor: amountMinor.toString() },
        'instruction confirmed',
      );
      await this.options.onEvents?.();
    }
    if (result.settled) {
      this.log.info({ windowId: result.instruction.windowId }, 'settlement window settled');
      // The ledger posting of the settlement entries is not available yet: without a hook the
      // window.settled event on clearing.events is the hand-off.
      await this.options.postingHook?.windowSettled(result.instruction.windowId);
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
