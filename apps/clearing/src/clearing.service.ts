import type { ClearingCommandsMessage, FinalizedBlock } from '@concord/contracts';
import type { Logger } from '@concord/observability';
import { ClearingError } from './clearing.errors';
import type { ClearingMetrics } from './clearing.metrics';
import type { ClearingRepository } from './clearing.repository';
import { Confirmation, InstructionsService } from './instructions/instructions.service';
import { PositionsService } from './positions/positions.service';
import type { CloseReason } from './windows/window.state';
import { ClosedWindow, WindowsService } from './windows/windows.service';
import type { ClearingOptions } from './clearing.options';

export type { ClearingOptions, CloseFault } from './clearing.options';

/**
 * What the clearing service does, whatever asked for it (a block, a command, the schedule, the HTTP API),
 * by domain: positions from finalized blocks, settlement windows, settlement instructions. Each domain's
 * service locks what it changes in one transaction, asks its pure transitions what follows and has the
 * repository write that with its events; a refusal is a typed failure that rolls the transaction back.
 * The operations the consumers, the schedule and start-up call are named here too.
 */
export class ClearingService {
  readonly positions: PositionsService;
  readonly windows: WindowsService;
  readonly instructions: InstructionsService;

  constructor(
    repo: ClearingRepository,
    private readonly log: Logger,
    metrics: ClearingMetrics,
    options: ClearingOptions,
  ) {
    this.positions = new PositionsService(repo, log, metrics, options);
    this.windows = new WindowsService(repo, log, metrics, options);
    this.instructions = new InstructionsService(repo, log, this.windows, options);
  }

  applyBlock(block: FinalizedBlock): Promise<void> {
    return this.positions.applyBlock(block);
  }

  async handleCommand(command: ClearingCommandsMessage): Promise<void> {
    if (command.type === 'confirm-settlement') return this.instructions.confirmForParticipant(command);
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

  close(currency: string, reason: CloseReason, requestId?: string): Promise<ClosedWindow | null> {
    return this.windows.close(currency, reason, requestId);
  }

  /** Finishes closes a crash interrupted (at start-up). */
  recover(): Promise<void> {
    return this.windows.recover();
  }

  confirm(
    instructionId: string,
    bankReference: string,
    amountMinor: bigint,
    by?: { participantId: string },
  ): Promise<Confirmation> {
    return this.instructions.confirm(instructionId, bankReference, amountMinor, by);
  }

  reverse(instructionId: string, bankReference: string) {
    return this.instructions.reverse(instructionId, bankReference);
  }
}
