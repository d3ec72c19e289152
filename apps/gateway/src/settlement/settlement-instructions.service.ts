import type { Producer } from 'kafkajs';
import {
  ConfirmSettlementCommand,
  createConfirmationSchema,
  decodePageCursor,
  encodePageCursor,
  settlementInstructionListQuerySchema,
  topicName,
} from '@concord/contracts';
import { sendJson } from '@concord/kafka';
import { MoneyError, parseAmount } from '@concord/money';
import { fieldErrors } from '../problems/problem';
import {
  ConfirmationRow,
  InstructionDetailView,
  InstructionRow,
  InstructionView,
  toConfirmationView,
  toInstructionView,
} from './settlement-instructions.dto';
import { SettlementFailure } from './settlement-instructions.errors';
import type { SettlementInstructionsRepository } from './settlement-instructions.repository';

/**
 * A partner's own settlement instructions (the caller's, never another's: anyone else's is 404), and its
 * confirmations of what it was paid out. A confirmation goes to the clearing service as a
 * `confirm-settlement` command, which records it exactly as an operator's (same checks, same ledger
 * posting); its outcome comes back on clearing.events and shows on the instruction.
 */
export class SettlementInstructionsService {
  constructor(
    private readonly repo: SettlementInstructionsRepository,
    private readonly producer: Pick<Producer, 'send'>,
    private readonly topicPrefix: string,
  ) {}

  async list(
    participantId: string,
    query: unknown,
  ): Promise<{ instructions: InstructionView[]; nextCursor: string | null }> {
    const parsed = settlementInstructionListQuerySchema.safeParse(query ?? {});
    if (!parsed.success)
      throw new SettlementFailure({
        kind: 'INVALID_QUERY',
        errors: fieldErrors(parsed.error.issues, '(query)'),
      });
    const q = parsed.data;
    const rows = await this.repo.list({
      participantId,
      windowId: q.window,
      currency: q.currency,
      status: q.status,
      before: q.cursor ? decodePageCursor(q.cursor) : undefined,
      limit: q.limit,
    });
    const last = rows[rows.length - 1];
    return {
      instructions: rows.map(toInstructionView),
      nextCursor: rows.length === q.limit && last ? encodePageCursor(last.createdAt, last.id) : null,
    };
  }

  async get(participantId: string, id: string): Promise<InstructionDetailView> {
    const found = await this.repo.get(participantId, id);
    if (!found) throw new SettlementFailure({ kind: 'NOT_FOUND', id });
    return detailView(found.instruction, found.confirmations);
  }

  /**
   * Records the participant's confirmation of (part of) a pay-out under its bank reference and sends it
   * to clearing. Idempotent by bank reference: the same reference and amount again answers the
   * confirmation as it stands (and sends it again while clearing has not answered, in case the first
   * send was lost); the same reference with another amount is refused. `sent` is false for an answer that
   * sent nothing.
   */
  async confirm(
    participantId: string,
    id: string,
    body: unknown,
  ): Promise<{ view: InstructionDetailView; sent: boolean }> {
    const parsed = createConfirmationSchema.safeParse(body);
    if (!parsed.success)
      throw new SettlementFailure({
        kind: 'INVALID_BODY',
        errors: fieldErrors(parsed.error.issues, '(body)'),
      });
    const found = await this.repo.get(participantId, id);
    if (!found) throw new SettlementFailure({ kind: 'NOT_FOUND', id });
    const { instruction } = found;
    let amountMinor: bigint;
    try {
      amountMinor = parseAmount(parsed.data.amount, instruction.currency);
    } catch (e) {
      if (!(e instanceof MoneyError)) throw e;
      throw new SettlementFailure({
        kind: 'INVALID_BODY',
        errors: [{ field: 'amount', message: e.message }],
      });
    }
    const { bankReference } = parsed.data;
    if (instruction.direction !== 'pay-out')
      throw new SettlementFailure({ kind: 'PAY_IN_NOT_CONFIRMABLE', id });
    const existing = found.confirmations.find((c) => c.bankReference === bankReference);
    if (existing) return this.again(found.instruction, existing, amountMinor);
    if (instruction.status === 'cancelled' || instruction.status === 'confirmed')
      throw new SettlementFailure({ kind: 'NOT_CONFIRMABLE', id, status: instruction.status });
    const outstanding = instruction.amountMinor - instruction.confirmedMinor;
    if (amountMinor > outstanding)
      throw new SettlementFailure({
        kind: 'OVER_CONFIRMATION',
        outstanding: toInstructionView(instruction).outstanding,
      });
    const { row, created } = await this.repo.request(id, bankReference, amountMinor, new Date());
    // A concurrent request with the same reference got there first: answer as a repeat of it.
    if (!created) return this.again(instruction, row, amountMinor);
    await this.send(participantId, instruction, row);
    return { view: await this.get(participantId, id), sent: true };
  }

  private async again(
    instruction: InstructionRow,
    existing: ConfirmationRow,
    amountMinor: bigint,
  ): Promise<{ view: InstructionDetailView; sent: boolean }> {
    if (existing.amountMinor !== amountMinor)
      throw new SettlementFailure({
        kind: 'CONFIRMATION_CONFLICT',
        bankReference: existing.bankReference,
        amount: toConfirmationView(existing, instruction.currency).amount,
      });
    const sent = existing.status === 'requested';
    if (sent) await this.send(instruction.participantId, instruction, existing);
    return { view: await this.get(instruction.participantId, instruction.id), sent };
  }

  private async send(participantId: string, instruction: InstructionRow, c: ConfirmationRow): Promise<void> {
    const command: ConfirmSettlementCommand = {
      v: 1,
      type: 'confirm-settlement',
      requestId: `${instruction.id}:${c.bankReference}`,
      instructionId: instruction.id,
      participantId,
      bankReference: c.bankReference,
      amountMinor: c.amountMinor.toString(),
    };
    await sendJson(this.producer as Producer, topicName('clearingCommands', this.topicPrefix), [
      { key: instruction.id, value: command },
    ]);
  }
}

function detailView(instruction: InstructionRow, confirmations: ConfirmationRow[]): InstructionDetailView {
  return {
    ...toInstructionView(instruction),
    confirmations: confirmations.map((c) => toConfirmationView(c, instruction.currency)),
  };
}
