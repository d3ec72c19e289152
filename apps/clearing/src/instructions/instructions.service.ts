import type { ConfirmSettlementCommand } from '@concord/contracts';
import { MoneyError, parseAmount } from '@concord/money';
import type { Logger } from '@concord/observability';
import { ClearingError } from '../clearing.errors';
import type { ClearingRepository, InstructionRow, Tx } from '../clearing.repository';
import type { ClearingOptions } from '../clearing.options';
import type { WindowsService } from '../windows/windows.service';
import {
  confirmationChange,
  decideConfirmation,
  decideReversal,
  InstructionChange,
  refusedEvent,
  reversalChange,
  windowRefusal,
} from './instruction.state';
import { InstructionFailure } from './instructions.errors';

/** What a confirmation answers: the instruction as it is now, and whether it settled its window. */
export interface Confirmation {
  instruction: InstructionRow;
  replayed: boolean;
  settled: boolean;
}

/**
 * Settlement instructions: the settlement bank's confirmations (an operator's, or a participant's of its
 * own pay-out) and their reversals, each with its signed ledger posting; the last confirmation of a
 * window settles it.
 */
export class InstructionsService {
  constructor(
    private readonly repo: ClearingRepository,
    private readonly log: Logger,
    private readonly windows: WindowsService,
    private readonly options: ClearingOptions,
  ) {}

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
      const settled = await this.windows.settleIfComplete(tx, instruction.windowId);
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
      return this.record(tx, locked, reversalChange(locked, bankReference, decision));
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
    const window = await windows.lock(tx, windowId);
    // The instruction's window is its foreign key: without it the schema is broken, not the request.
    if (!window)
      throw new Error(`instruction ${instructionId} names window ${windowId}, which does not exist`);
    const refusal = windowRefusal(windowId, window.status, action);
    if (refusal) throw new InstructionFailure(refusal);
    return instructions.lock(tx, instructionId);
  }

  /**
   * A participant's confirmation from the gateway, recorded as an operator's is; a refusal (over the
   * amount, a reused bank reference, a window not settling, a pay-in) is announced as
   * `confirmation.refused`, so that the participant sees it on the instruction.
   */
  async confirmForParticipant(command: ConfirmSettlementCommand): Promise<void> {
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

  async find(instructionId: string) {
    const found = await this.repo.sql.instructions.find(instructionId);
    if (!found) throw new InstructionFailure({ kind: 'INSTRUCTION_NOT_FOUND', instructionId });
    return found;
  }

  /**
   * The operator's confirmation of an amount in the instruction's currency (a decimal string, read here
   * because only the instruction knows its currency); answers the window's status too.
   */
  async confirmAmount(instructionId: string, bankReference: string, amount: string) {
    const { instruction } = await this.find(instructionId);
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
}
