import type { ClearingEvent } from '@concord/contracts';
import type { ServicesPrismaClient } from '@concord/db';
import type { KnownInstruction } from '../webhooks/settlement-events';
import type { ConfirmationRow, InstructionRow } from './settlement-instructions.dto';

type Tx = Parameters<Parameters<ServicesPrismaClient['$transaction']>[0]>[0];
type EventOf<T extends ClearingEvent['type']> = Extract<ClearingEvent, { type: T }>;
type InstructionStored = EventOf<'instruction.created' | 'instruction.cancelled'>;
type ConfirmationChange = EventOf<'instruction.confirmed' | 'instruction.reversed'>;
type ConfirmationRefused = EventOf<'confirmation.refused'>;

/** A clearing event with the time Kafka stamped it (what "created" and "confirmed at" mean here). */
export interface InstructionEvent {
  event: ClearingEvent;
  publishedAtMs: number;
}

/** The clearing events that change an instruction or one of its confirmations. */
const INSTRUCTION_EVENTS = new Set<ClearingEvent['type']>([
  'instruction.created',
  'instruction.confirmed',
  'instruction.reversed',
  'instruction.cancelled',
  'confirmation.refused',
]);

/**
 * The partners' settlement instructions in the gateway's own schema, built from clearing.events (the
 * gateway may not read clearing's tables). Each event is applied once, by its event id, in the
 * transaction that records the id, so an event Kafka delivers twice changes nothing; events of one
 * instruction come in their topic order (one key, one partition), and confirmed and reversed events carry
 * the instruction's totals after them, so applying them sets the totals rather than adding to them.
 */
export class SettlementInstructionsRepository {
  constructor(private readonly prisma: ServicesPrismaClient) {}

  /** Applies a batch of clearing events in order (other event types are skipped); one transaction. */
  async apply(messages: readonly InstructionEvent[]): Promise<void> {
    const relevant = messages.filter((m) => INSTRUCTION_EVENTS.has(m.event.type));
    if (relevant.length === 0) return;
    await this.prisma.$transaction(async (tx) => {
      for (const m of relevant) {
        const n = await tx.$executeRawUnsafe(
          `insert into gateway.clearing_events (event_id, type) values ($1, $2) on conflict do nothing`,
          m.event.eventId,
          m.event.type,
        );
        if (n > 0) await this.applyOne(tx, m.event, new Date(m.publishedAtMs));
      }
    });
  }

  private async applyOne(tx: Tx, event: ClearingEvent, at: Date): Promise<void> {
    switch (event.type) {
      case 'instruction.created':
      case 'instruction.cancelled':
        return this.storeInstruction(tx, event, at);
      case 'instruction.confirmed':
      case 'instruction.reversed':
        return this.applyConfirmation(tx, event, at);
      case 'confirmation.refused':
        return this.refuseConfirmation(tx, event);
      default:
        return;
    }
  }

  private async storeInstruction(tx: Tx, event: InstructionStored, at: Date): Promise<void> {
    const i = event.instruction;
    const cancelled = event.type === 'instruction.cancelled';
    // A cancelled event carries the whole instruction, so it is stored even when its created event
    // came before this table existed.
    await tx.$executeRawUnsafe(
      `insert into gateway.settlement_instructions (id, window_id, participant_id, currency, direction,
         amount_minor, value_date, status, carried_to_window_id, created_at, updated_at)
       values ($1, $2, $3, $4, $5, $6::bigint, $7, $8, $9, $10, $10)
       on conflict (id) do update set status = excluded.status,
         carried_to_window_id = excluded.carried_to_window_id, updated_at = excluded.updated_at
       where excluded.status = 'cancelled'`,
      i.instructionId,
      i.windowId,
      i.participantId,
      i.currency,
      i.direction,
      i.amountMinor,
      i.valueDate,
      cancelled ? 'cancelled' : 'pending',
      cancelled ? event.carriedToWindowId : null,
      at,
    );
  }

  private async applyConfirmation(tx: Tx, event: ConfirmationChange, at: Date): Promise<void> {
    const known = await tx.$executeRawUnsafe(
      `update gateway.settlement_instructions set confirmed_minor = $2::bigint, status = $3, updated_at = $4
       where id = $1 and window_id = $5`,
      event.instructionId,
      event.confirmedMinor,
      event.status,
      at,
      event.windowId,
    );
    if (known === 0) return;
    if (event.type === 'instruction.confirmed') {
      await tx.$executeRawUnsafe(
        `insert into gateway.settlement_confirmations
           (instruction_id, bank_reference, amount_minor, status, source, confirmed_at)
         values ($1, $2, $3::bigint, 'confirmed', $4, $5)
         on conflict (instruction_id, bank_reference) do update set amount_minor = excluded.amount_minor,
           status = 'confirmed', confirmed_at = excluded.confirmed_at, refusal_code = null,
           refusal_detail = null, source = case when $6 then excluded.source
             else gateway.settlement_confirmations.source end`,
        event.instructionId,
        event.bankReference,
        event.amountMinor,
        event.source ?? 'operator',
        at,
        event.source !== undefined,
      );
    } else {
      await tx.$executeRawUnsafe(
        `update gateway.settlement_confirmations set status = 'reversed', reversed_at = $3
         where instruction_id = $1 and bank_reference = $2`,
        event.instructionId,
        event.bankReference,
        at,
      );
    }
  }

  private async refuseConfirmation(tx: Tx, event: ConfirmationRefused): Promise<void> {
    // Only a request still waiting is refused: a confirmation recorded meanwhile (an operator's with
    // the same reference and amount) stands.
    await tx.$executeRawUnsafe(
      `update gateway.settlement_confirmations set status = 'refused', refusal_code = $4, refusal_detail = $5
       where instruction_id = $1 and bank_reference = $2 and amount_minor = $3::bigint
         and status = 'requested'`,
      event.instructionId,
      event.bankReference,
      event.amountMinor,
      event.code,
      event.detail,
    );
  }

  /** The instructions of these ids that the gateway knows, as the webhooks route them. */
  async known(ids: readonly string[]): Promise<Map<string, KnownInstruction>> {
    const unique = [...new Set(ids)];
    if (unique.length === 0) return new Map();
    const rows = await this.prisma.gatewaySettlementInstruction.findMany({ where: { id: { in: unique } } });
    return new Map(
      rows.map((r) => [
        r.id,
        {
          id: r.id,
          windowId: r.windowId,
          participantId: r.participantId,
          currency: r.currency,
          direction: r.direction as KnownInstruction['direction'],
          amountMinor: r.amountMinor.toString(),
          valueDate: r.valueDate,
        },
      ]),
    );
  }

  /** A participant's instructions, newest first, after the cursor. */
  list(filter: {
    participantId: string;
    windowId?: number;
    currency?: string;
    status?: string;
    before?: { createdAt: Date; id: string };
    limit: number;
  }): Promise<InstructionRow[]> {
    const before = filter.before;
    return this.prisma.gatewaySettlementInstruction.findMany({
      where: {
        participantId: filter.participantId,
        ...(filter.windowId !== undefined ? { windowId: filter.windowId } : {}),
        ...(filter.currency ? { currency: filter.currency } : {}),
        ...(filter.status ? { status: filter.status } : {}),
        ...(before
          ? {
              OR: [
                { createdAt: { lt: before.createdAt } },
                { createdAt: before.createdAt, id: { lt: before.id } },
              ],
            }
          : {}),
      },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: filter.limit,
    });
  }

  /**
   * One of a participant's instructions with its confirmations (null for anyone else's). Both read in one
   * snapshot: a clearing event updates the instruction and a confirmation together, and two plain reads
   * could show the confirmation confirmed beside the instruction's totals from before it.
   */
  async get(
    participantId: string,
    id: string,
  ): Promise<{ instruction: InstructionRow; confirmations: ConfirmationRow[] } | null> {
    return this.prisma.$transaction(
      async (tx) => {
        const instruction = await tx.gatewaySettlementInstruction.findUnique({ where: { id } });
        if (!instruction || instruction.participantId !== participantId) return null;
        const confirmations = await tx.gatewaySettlementConfirmation.findMany({
          where: { instructionId: id },
          orderBy: [
            { requestedAt: { sort: 'asc', nulls: 'last' } },
            { confirmedAt: 'asc' },
            { bankReference: 'asc' },
          ],
        });
        return { instruction, confirmations };
      },
      { isolationLevel: 'RepeatableRead' },
    );
  }

  /**
   * Records a participant's confirmation request under its bank reference, once: the row already there
   * (requested, confirmed, reversed or refused) when the reference was used before, with `created` false.
   */
  async request(
    instructionId: string,
    bankReference: string,
    amountMinor: bigint,
    at: Date,
  ): Promise<{ row: ConfirmationRow; created: boolean }> {
    const inserted = await this.prisma.$queryRawUnsafe<unknown[]>(
      `insert into gateway.settlement_confirmations
         (instruction_id, bank_reference, amount_minor, status, source, requested_at)
       values ($1, $2, $3::bigint, 'requested', 'participant', $4)
       on conflict do nothing returning instruction_id`,
      instructionId,
      bankReference,
      amountMinor.toString(),
      at,
    );
    const row = await this.prisma.gatewaySettlementConfirmation.findUniqueOrThrow({
      where: { instructionId_bankReference: { instructionId, bankReference } },
    });
    return { row, created: inserted.length > 0 };
  }
}
