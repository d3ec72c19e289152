import type { InstructionStatus } from '@concord/contracts';
import type { RawSql, ServicesPrismaClient } from '@concord/db';
import type { PlannedInstruction } from '../netting/netting';
import type { Db, Tx } from '../windows/windows.repository';
import type { Instruction, RecordedConfirmation } from './instruction.state';

export type InstructionRow = Instruction;

/**
 * Settlement instructions and the settlement bank's confirmations in PostgreSQL (clearing.instructions,
 * clearing.confirmations). An instruction is unique per window, participant and currency, and a
 * confirmation per instruction and bank reference. Callers lock the instruction's window first.
 */
export class InstructionsRepository {
  constructor(private readonly prisma: ServicesPrismaClient) {}

  /** Writes a planned instruction; false when it was written before (a close resumed after a crash). */
  async insert(tx: RawSql, i: PlannedInstruction): Promise<boolean> {
    const n = await tx.$executeRawUnsafe(
      `insert into clearing.instructions
         (id, window_id, participant_id, currency, direction, amount_minor, value_date, status)
       values ($1, $2, $3, $4, $5, $6::bigint, $7, 'pending')
       on conflict (window_id, participant_id, currency) do nothing`,
      i.id,
      i.windowId,
      i.participantId,
      i.currency,
      i.direction,
      i.amountMinor.toString(),
      i.valueDate,
    );
    return n > 0;
  }

  /** The window of an instruction (to lock it first); null for no instruction. */
  async windowOf(tx: RawSql, instructionId: string): Promise<number | null> {
    const [ref] = await tx.$queryRawUnsafe<{ window_id: number }[]>(
      `select window_id from clearing.instructions where id = $1`,
      instructionId,
    );
    return ref?.window_id ?? null;
  }

  /** An instruction, locked (its window is locked already). */
  async lock(tx: Tx, instructionId: string): Promise<InstructionRow> {
    await tx.$queryRawUnsafe(`select id from clearing.instructions where id = $1 for update`, instructionId);
    return tx.clearingInstruction.findUniqueOrThrow({ where: { id: instructionId } });
  }

  /** The confirmation of an instruction under a bank reference, if any (locked with `forUpdate`). */
  async confirmation(
    tx: RawSql,
    instructionId: string,
    bankReference: string,
    forUpdate = false,
  ): Promise<RecordedConfirmation | undefined> {
    const [row] = await tx.$queryRawUnsafe<{ id: number; amount: string; reversed: boolean }[]>(
      `select id, amount_minor::text as amount, reversed_at is not null as reversed
         from clearing.confirmations where instruction_id = $1 and bank_reference = $2
       ${forUpdate ? 'for update' : ''}`,
      instructionId,
      bankReference,
    );
    return row && { id: row.id, amountMinor: BigInt(row.amount), reversed: row.reversed };
  }

  /** Records a confirmation; its id names its settlement posting. */
  async insertConfirmation(
    tx: RawSql,
    instructionId: string,
    bankReference: string,
    amountMinor: bigint,
    source: 'operator' | 'participant',
  ): Promise<number> {
    const [{ id }] = await tx.$queryRawUnsafe<{ id: number }[]>(
      `insert into clearing.confirmations (instruction_id, bank_reference, amount_minor, source)
       values ($1, $2, $3::bigint, $4) returning id`,
      instructionId,
      bankReference,
      amountMinor.toString(),
      source,
    );
    return id;
  }

  async markReversed(tx: RawSql, confirmationId: number): Promise<void> {
    await tx.$executeRawUnsafe(
      `update clearing.confirmations set reversed_at = now() where id = $1`,
      confirmationId,
    );
  }

  setConfirmed(
    tx: Tx,
    instructionId: string,
    confirmedMinor: bigint,
    status: InstructionStatus,
  ): Promise<InstructionRow> {
    return tx.clearingInstruction.update({
      where: { id: instructionId },
      data: { confirmedMinor, status, updatedAt: new Date() },
    });
  }

  /** The sum of what was confirmed of a window's instructions. */
  async confirmedOf(tx: RawSql, windowId: number): Promise<bigint> {
    const [{ confirmed }] = await tx.$queryRawUnsafe<{ confirmed: string }[]>(
      `select coalesce(sum(confirmed_minor), 0)::text as confirmed from clearing.instructions where window_id = $1`,
      windowId,
    );
    return BigInt(confirmed);
  }

  /** Cancels every instruction of a window; the cancelled ones. */
  async cancelAll(
    tx: RawSql,
    windowId: number,
  ): Promise<Omit<InstructionRow, 'confirmedMinor' | 'status'>[]> {
    const rows = await tx.$queryRawUnsafe<
      (Omit<InstructionRow, 'confirmedMinor' | 'status' | 'amountMinor'> & { amountMinor: bigint | string })[]
    >(
      `update clearing.instructions set status = 'cancelled', updated_at = now() where window_id = $1
       returning id, window_id as "windowId", participant_id as "participantId", currency, direction,
         amount_minor as "amountMinor", value_date as "valueDate"`,
      windowId,
    );
    return rows.map((r) => ({ ...r, amountMinor: BigInt(r.amountMinor) }));
  }

  /** A window's instructions, in participant order (in `db`'s transaction, or on the pool). */
  ofWindow(windowId: number, db: Db = this.prisma): Promise<InstructionRow[]> {
    return db.clearingInstruction.findMany({
      where: { windowId },
      orderBy: { participantId: 'asc' },
    });
  }

  /** An instruction with its confirmations, oldest first; null for no instruction. */
  async find(id: string) {
    const instruction = await this.prisma.clearingInstruction.findUnique({ where: { id } });
    if (!instruction) return null;
    const confirmations = await this.prisma.clearingConfirmation.findMany({
      where: { instructionId: id },
      orderBy: { id: 'asc' },
    });
    return { instruction, confirmations };
  }
}
