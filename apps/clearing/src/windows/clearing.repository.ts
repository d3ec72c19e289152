import type {
  ClearingEvent,
  ConfirmSettlementCommand,
  FinalizedBlock,
  InstructionDirection,
  InstructionStatus,
  SettlementCommand,
  TopicKey,
} from '@concord/contracts';
import { rawSqlOf, RawSql, ServicesPrismaClient, sqlOf } from '@concord/db';
import { ClearingError } from '../errors';
import {
  alarmThreshold,
  alarmTransition,
  blockDeltas,
  netPositions,
  Netting,
  PlannedInstruction,
  settlementInstructions,
  settlingMoves,
  valueDateOf,
} from '../netting/netting';
import {
  confirmationPostingId,
  reversalPostingId,
  SettlementPosting,
  SettlementSigner,
} from '../settlement/settlement-signer';

export type Tx = Parameters<Parameters<ServicesPrismaClient['$transaction']>[0]>[0];

export interface LimitCrossing {
  kind: 'alarm' | 'clear';
  participantId: string;
  currency: string;
  accountId: string;
  height: number;
  positionMinor: bigint;
  capMinor: bigint;
  thresholdMinor: bigint;
}

export interface ClosedWindow {
  windowId: number;
  currency: string;
  fromHeight: number;
  toHeight: number;
  netting: Netting;
}

export interface WindowRow {
  id: number;
  currency: string;
  status: string;
  openedAt: Date;
  closedAt: Date | null;
  settledAt: Date | null;
  fromHeight: number;
  toHeight: number | null;
  lastHeight: number;
  closeReason: string | null;
  valueDate: string | null;
  grossMinor: bigint | null;
  netMovedMinor: bigint | null;
  abortedAt: Date | null;
  carriedToId: number | null;
}

export interface InstructionRow {
  id: string;
  windowId: number;
  participantId: string;
  currency: string;
  direction: string;
  amountMinor: bigint;
  confirmedMinor: bigint;
  valueDate: string;
  status: string;
}

/** How blocks are taken in: the alarm share of the caps. */
export interface BlockOptions {
  alarmShareBps: number;
}

/** Test-only fault injection: throw after writing this many instructions of a close. */
export interface CloseFault {
  afterInstructions: number;
}

/** A position account's row as the limit check reads it. */
interface LimitRow {
  id: string;
  participant_id: string;
  currency: string;
  position: string;
  height: number;
  alarmed: boolean;
  cap: string | null;
}

/**
 * The clearing service's state in PostgreSQL (schema `clearing`). Every change and the events that
 * announce it are written in one transaction (the outbox), so a crash never loses or doubles either.
 * Settlement postings for the ledger (confirmations and their reversals) go through the same outbox,
 * signed, in the transaction of what caused them. Lock order everywhere: window, then
 * instruction.
 */
export class ClearingRepository {
  constructor(
    private readonly prisma: ServicesPrismaClient,
    private readonly signer: SettlementSigner,
  ) {}

  /**
   * Adds one finalized block, once (a repeated height changes nothing): the members it announces, its
   * moves to the open window of each currency (a gross settlement participant's side replaced by the hub:
   * the ledger settled it already, against that participant's prefunding), its position accounts'
   * balances and caps, and the limit alarms they trigger.
   */
  async applyBlock(
    block: FinalizedBlock,
    options: BlockOptions,
  ): Promise<{ applied: boolean; crossings: LimitCrossing[]; openedCurrencies: string[] }> {
    const height = block.header.height;
    // Every block comes through here: node-postgres rather than a Prisma interactive transaction, whose
    // query interpreter cost several times the statements' own CPU (see libs/db/src/sql.ts).
    return sqlOf(this.prisma).transaction(async (sql) => {
      const tx = rawSqlOf(sql);
      const inserted = await tx.$executeRawUnsafe(
        `insert into clearing.blocks (height, chain_id) values ($1, $2) on conflict do nothing`,
        height,
        block.header.chainId,
      );
      if (inserted === 0) return { applied: false, crossings: [], openedCurrencies: [] };
      const gross = await this.grossParticipants(tx, block);
      const openedCurrencies: string[] = [];
      const deltas = blockDeltas(settlingMoves(block, gross));
      // The open windows of the block's currencies, locked in one statement and in currency order (the
      // order in which blocks always lock them); a currency without one gets it opened.
      const windows = new Map<string, number>();
      const open = await tx.$queryRawUnsafe<{ id: number; currency: string }[]>(
        `select id, currency from clearing.windows where currency = any($1::text[]) and status = 'open'
         order by currency for update`,
        deltas.map((d) => d.currency),
      );
      for (const w of open) windows.set(w.currency, w.id);
      for (const delta of deltas) {
        if (windows.has(delta.currency)) continue;
        const { id, created } = await this.lockOpenWindow(tx, delta.currency);
        windows.set(delta.currency, id);
        if (created) openedCurrencies.push(delta.currency);
      }
      if (deltas.length > 0) {
        // Every currency's positions, bilateral sums and window heights in one statement (not one per
        // table and currency, let alone per row): this runs for every finalized block.
        const positions = deltas.flatMap((d) => d.positions.map((p) => ({ ...p, currency: d.currency })));
        const bilateral = deltas.flatMap((d) => d.bilateral.map((b) => ({ ...b, currency: d.currency })));
        await tx.$executeRawUnsafe(
          `with pos as (
             insert into clearing.positions (window_id, participant_id, currency, sent_minor, received_minor)
             select * from unnest($1::int[], $2::text[], $3::text[], $4::bigint[], $5::bigint[])
             on conflict (window_id, participant_id, currency) do update set
               sent_minor = clearing.positions.sent_minor + excluded.sent_minor,
               received_minor = clearing.positions.received_minor + excluded.received_minor),
           bil as (
             insert into clearing.bilateral (window_id, payer, payee, amount_minor, count)
             select * from unnest($6::int[], $7::text[], $8::text[], $9::bigint[], $10::int[])
             on conflict (window_id, payer, payee) do update set
               amount_minor = clearing.bilateral.amount_minor + excluded.amount_minor,
               count = clearing.bilateral.count + excluded.count)
           update clearing.windows set last_height = greatest(last_height, $11) where id = any($12::int[])`,
          positions.map((p) => windows.get(p.currency)!),
          positions.map((p) => p.participantId),
          positions.map((p) => p.currency),
          positions.map((p) => p.sentMinor.toString()),
          positions.map((p) => p.receivedMinor.toString()),
          bilateral.map((b) => windows.get(b.currency)!),
          bilateral.map((b) => b.payer),
          bilateral.map((b) => b.payee),
          bilateral.map((b) => b.amountMinor.toString()),
          bilateral.map((b) => b.count),
          height,
          [...windows.values()],
        );
      }
      const crossings: LimitCrossing[] = [];
      const positions = block.accounts.filter((a) => a.kind === 'position');
      if (positions.length > 0) {
        // The ledger's limit of the account is its cap: a governance set-limit shows up here in the block
        // that applied it. No-overdraft (or no limit) means no cap, so nothing to alarm on.
        await tx.$executeRawUnsafe(
          `insert into clearing.accounts
             (id, participant_id, currency, balance_minor, reserved_minor, cap_minor, height)
           select i, p, c, b, r, cap, $7 from unnest($1::text[], $2::text[], $3::text[], $4::bigint[],
             $5::bigint[], $6::bigint[]) as v(i, p, c, b, r, cap)
           on conflict (id) do update set balance_minor = excluded.balance_minor,
             reserved_minor = excluded.reserved_minor, cap_minor = excluded.cap_minor, height = excluded.height
           where clearing.accounts.height <= excluded.height`,
          positions.map((a) => a.id),
          positions.map((a) => a.participantId),
          positions.map((a) => a.currency),
          positions.map((a) => a.balanceMinor),
          positions.map((a) => a.reservedMinor),
          positions.map((a) => (a.limit?.kind === 'net-debit-cap' ? a.limit.capMinor : null)),
          height,
        );
        crossings.push(
          ...(await this.checkLimits(
            tx,
            positions.map((a) => a.id),
            options.alarmShareBps,
            `h${height}`,
          )),
        );
      }
      return { applied: true, crossings, openedCurrencies };
    });
  }

  /**
   * Records the members a block announces with their settlement model (the ledger fixes it when they
   * join), and answers which parties of the block's moves settle gross. Most blocks announce nobody: then
   * this is one read by primary key, and none for a block without moves.
   */
  private async grossParticipants(tx: RawSql, block: FinalizedBlock): Promise<ReadonlySet<string>> {
    if (block.participants.length > 0) {
      await tx.$executeRawUnsafe(
        `insert into clearing.participants (id, settlement, height)
         select id, settlement, $3 from unnest($1::text[], $2::text[]) as v(id, settlement)
         on conflict (id) do update set settlement = excluded.settlement, height = excluded.height
         where clearing.participants.height <= excluded.height`,
        block.participants.map((p) => p.id),
        block.participants.map((p) => p.settlement),
        block.header.height,
      );
    }
    const parties = [...new Set(block.moves.flatMap((m) => [m.payer, m.payee]))];
    if (parties.length === 0) return new Set();
    const rows = await tx.$queryRawUnsafe<{ id: string }[]>(
      `select id from clearing.participants where id = any($1::text[]) and settlement = 'gross'`,
      parties,
    );
    return new Set(rows.map((r) => r.id));
  }

  /** The open window of a currency, locked; opened (from the height after the last close) if none. */
  private async lockOpenWindow(tx: RawSql, currency: string): Promise<{ id: number; created: boolean }> {
    let created = false;
    for (let attempt = 0; attempt < 5; attempt++) {
      const rows = await tx.$queryRawUnsafe<{ id: number }[]>(
        `select id from clearing.windows where currency = $1 and status = 'open' for update`,
        currency,
      );
      if (rows.length > 0) return { id: rows[0].id, created };
      // A close that committed meanwhile has opened the next window: then this insert does nothing and
      // the next select (a new snapshot) finds it.
      const n = await tx.$executeRawUnsafe(
        `insert into clearing.windows (currency, status, from_height)
         select $1, 'open', coalesce(max(to_height) + 1, 0) from clearing.windows where currency = $1
         on conflict (currency) where status = 'open' do nothing`,
        currency,
      );
      created = created || n > 0;
    }
    throw new Error(`could not open a window for ${currency}`);
  }

  /** Evaluates the limit alarms of position accounts against their caps (if any); updates their state. */
  private async checkLimits(
    tx: RawSql,
    accountIds: string[],
    shareBps: number,
    /** What caused the check (a block height): part of the event id. */
    origin: string,
  ): Promise<LimitCrossing[]> {
    const rows = await tx.$queryRawUnsafe<LimitRow[]>(
      `select id, participant_id, currency, (balance_minor - reserved_minor)::text as position, height,
              alarmed, cap_minor::text as cap
         from clearing.accounts where id = any($1::text[]) order by id for update`,
      accountIds,
    );
    const crossings: LimitCrossing[] = [];
    for (const row of rows) {
      const crossing = await this.limitTransition(tx, row, shareBps, origin);
      if (crossing) crossings.push(crossing);
    }
    return crossings;
  }

  private async limitTransition(
    tx: RawSql,
    row: LimitRow,
    shareBps: number,
    origin: string,
  ): Promise<LimitCrossing | null> {
    const { participant_id: participantId, currency } = row;
    const positionMinor = BigInt(row.position);
    const capMinor = row.cap === null ? null : BigInt(row.cap);
    const thresholdMinor = capMinor === null ? null : alarmThreshold(capMinor, shareBps);
    // Without a cap there is nothing to cross: an alarmed account is re-armed silently.
    const kind =
      capMinor === null || thresholdMinor === null
        ? null
        : alarmTransition(positionMinor, thresholdMinor, row.alarmed);
    if (capMinor === null && row.alarmed) {
      await tx.$executeRawUnsafe(`update clearing.accounts set alarmed = false where id = $1`, row.id);
    }
    if (kind === null || capMinor === null || thresholdMinor === null) return null;
    await tx.$executeRawUnsafe(
      `update clearing.accounts set alarmed = $2 where id = $1`,
      row.id,
      kind === 'alarm',
    );
    const crossing: LimitCrossing = {
      kind,
      participantId,
      currency,
      accountId: row.id,
      height: row.height,
      positionMinor,
      capMinor,
      thresholdMinor,
    };
    await this.outbox(tx, `${participantId}/${currency}`, {
      v: 1,
      type: kind === 'alarm' ? 'limit.alarm' : 'limit.cleared',
      eventId: `${kind === 'alarm' ? 'limit.alarm' : 'limit.cleared'}:${row.id}:${origin}`,
      participantId,
      currency,
      accountId: row.id,
      height: row.height,
      positionMinor: positionMinor.toString(),
      capMinor: capMinor.toString(),
      thresholdMinor: thresholdMinor.toString(),
    });
    return crossing;
  }

  /**
   * Claims a close's request id for a currency; when it was claimed before, what that request closed (its
   * window, or null when it found nothing to close). The same id for another currency, or for another
   * kind of command, is refused: it names another request.
   */
  private async claimClose(
    tx: Tx,
    requestId: string,
    currency: string,
  ): Promise<{ claimed: true } | { claimed: false; windowId: number | null }> {
    const n = await tx.$executeRawUnsafe(
      `insert into clearing.commands (request_id, type, currency) values ($1, 'close-window', $2)
       on conflict do nothing`,
      requestId,
      currency,
    );
    if (n > 0) return { claimed: true };
    const [seen] = await tx.$queryRawUnsafe<
      { type: string; currency: string | null; window_id: number | null }[]
    >(`select type, currency, window_id from clearing.commands where request_id = $1`, requestId);
    // Rows from before currencies were recorded have none: they count as this request.
    if (seen.type !== 'close-window' || (seen.currency !== null && seen.currency !== currency))
      throw new ClearingError(
        'IDEMPOTENCY_KEY_REUSED',
        `request ${requestId} was a ${seen.type} of ${seen.currency ?? 'another currency'}, not a close of ${currency}`,
      );
    return { claimed: false, windowId: seen.window_id };
  }

  /**
   * Closes the open window of a currency at the last block clearing has taken in: freezes its positions,
   * records its height range and netting, and opens the next window. `skipEmpty` (the schedule) leaves a
   * window without transfers open. Null when there was nothing to close. A request id seen before closes
   * nothing more: the answer is the window that request closed (`replayed`), or null if it closed none.
   * The instructions are written by `finishClose`, which resumes after a crash.
   */
  async closeWindow(
    currency: string,
    options: {
      reason: 'schedule' | 'operator';
      requestId?: string;
      now: Date;
      valueDateDays: number;
      skipEmpty?: boolean;
    },
  ): Promise<ClosedWindow | { replayed: true; windowId: number } | null> {
    return this.prisma.$transaction(async (tx) => {
      if (options.requestId) {
        const claim = await this.claimClose(tx, options.requestId, currency);
        if (!claim.claimed)
          return claim.windowId === null ? null : { replayed: true, windowId: claim.windowId };
      }
      const [open] = await tx.$queryRawUnsafe<{ id: number; from_height: number }[]>(
        `select id, from_height from clearing.windows where currency = $1 and status = 'open' for update`,
        currency,
      );
      if (!open) return null;
      const gross = await this.grossPositions(tx, open.id);
      if (options.skipEmpty && gross.length === 0) return null;
      const [{ top }] = await tx.$queryRawUnsafe<{ top: number }[]>(
        `select coalesce(max(height), 0)::int as top from clearing.blocks`,
      );
      const toHeight = Math.max(top, open.from_height - 1);
      const netting = netPositions(gross);
      const valueDate = valueDateOf(options.now, options.valueDateDays);
      await tx.$executeRawUnsafe(
        `update clearing.windows set status = 'closed', closed_at = $2, to_height = $3, close_reason = $4,
           value_date = $5, gross_minor = $6::bigint, net_moved_minor = $7::bigint where id = $1`,
        open.id,
        options.now,
        toHeight,
        options.reason,
        valueDate,
        netting.grossMinor.toString(),
        netting.netMovedMinor.toString(),
      );
      await tx.$executeRawUnsafe(
        `insert into clearing.windows (currency, status, from_height) values ($1, 'open', $2)`,
        currency,
        toHeight + 1,
      );
      if (options.requestId) {
        await tx.$executeRawUnsafe(
          `update clearing.commands set window_id = $2 where request_id = $1`,
          options.requestId,
          open.id,
        );
      }
      const bilateral = await this.bilateral(tx, open.id);
      await this.outbox(tx, currency, {
        v: 1,
        type: 'window.closed',
        eventId: `window.closed:${open.id}`,
        windowId: open.id,
        currency,
        fromHeight: open.from_height,
        toHeight,
        closedAt: options.now.toISOString(),
        reason: options.reason,
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
      });
      return { windowId: open.id, currency, fromHeight: open.from_height, toHeight, netting };
    });
  }

  /**
   * Writes the settlement instructions of a closed window and moves it to settling (settled at once when
   * nobody pays anything). Idempotent: each instruction has a unique key per window, participant and
   * currency, and is written with its event in one transaction, so running this again after a crash (at
   * any point) writes only what is missing.
   */
  async finishClose(windowId: number, fault?: CloseFault): Promise<PlannedInstruction[]> {
    const window = await this.window(windowId);
    if (!window || window.status !== 'closed') return [];
    const planned = settlementInstructions(
      windowId,
      window.currency,
      netPositions(await this.grossPositions(this.prisma, windowId)),
      window.valueDate!,
    );
    let written = 0;
    for (const i of planned) {
      if (fault && written >= fault.afterInstructions) throw new Error('injected fault: crash during close');
      await this.prisma.$transaction(async (tx) => {
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
        if (n > 0) {
          await this.outbox(tx, i.currency, {
            v: 1,
            type: 'instruction.created',
            eventId: `instruction.created:${i.id}`,
            instruction: instructionMessage(i),
          });
        }
      });
      written++;
    }
    await this.prisma.$transaction(async (tx) => {
      const [w] = await tx.$queryRawUnsafe<{ status: string }[]>(
        `select status from clearing.windows where id = $1 for update`,
        windowId,
      );
      if (w?.status !== 'closed') return;
      await tx.$executeRawUnsafe(`update clearing.windows set status = 'settling' where id = $1`, windowId);
      await this.settleIfComplete(tx, windowId);
    });
    return planned;
  }

  /** Windows closed but not yet settling: a close interrupted by a crash, to finish at start-up. */
  async unfinishedCloses(): Promise<number[]> {
    const rows = await this.prisma.clearingWindow.findMany({
      where: { status: 'closed' },
      orderBy: { id: 'asc' },
      select: { id: true },
    });
    return rows.map((r) => r.id);
  }

  /**
   * Records a (partial) confirmation of the external settlement; the same reference and amount again is a
   * no-op. An operator may confirm any instruction; a participant (`by`) only the pay-outs of its own
   * instructions: that it received the money, which only the payee can attest. A pay-in is confirmed by
   * the operator from the settlement bank's account, because the payer saying it paid moves no money.
   */
  async confirm(
    instructionId: string,
    bankReference: string,
    amountMinor: bigint,
    by?: { participantId: string },
  ): Promise<{ instruction: InstructionRow; replayed: boolean; settled: boolean }> {
    return this.prisma.$transaction(async (tx) => {
      const { instruction } = await this.lockInstruction(tx, instructionId, 'confirm');
      if (by && instruction.participantId !== by.participantId)
        throw new ClearingError('INSTRUCTION_NOT_FOUND', `no instruction ${instructionId}`);
      if (by && instruction.direction !== 'pay-out')
        throw new ClearingError(
          'CONFIRMATION_NOT_ALLOWED',
          `${instructionId} is a pay-in: the operator confirms it when the settlement bank has the money`,
        );
      const [existing] = await tx.$queryRawUnsafe<{ amount: string; reversed: boolean }[]>(
        `select amount_minor::text as amount, reversed_at is not null as reversed from clearing.confirmations
          where instruction_id = $1 and bank_reference = $2`,
        instructionId,
        bankReference,
      );
      if (existing) {
        if (!existing.reversed && BigInt(existing.amount) === amountMinor)
          return { instruction, replayed: true, settled: false };
        throw new ClearingError(
          'CONFIRMATION_CONFLICT',
          existing.reversed
            ? `bank reference ${bankReference} was confirmed and reversed; use a new reference`
            : `bank reference ${bankReference} already confirmed ${existing.amount} minor units`,
        );
      }
      const confirmed = instruction.confirmedMinor + amountMinor;
      if (confirmed > instruction.amountMinor) {
        throw new ClearingError(
          'OVER_CONFIRMATION',
          `confirming ${amountMinor} would exceed the instruction: ${instruction.confirmedMinor} of ${instruction.amountMinor} already confirmed`,
          [{ field: 'amount', message: 'more than the amount still open' }],
        );
      }
      const source = by ? 'participant' : 'operator';
      const [{ id: confirmationId }] = await tx.$queryRawUnsafe<{ id: number }[]>(
        `insert into clearing.confirmations (instruction_id, bank_reference, amount_minor, source)
         values ($1, $2, $3::bigint, $4) returning id`,
        instructionId,
        bankReference,
        amountMinor.toString(),
        source,
      );
      // The ledger posting of this confirmation: the bank has moved the money, so the position moves
      // against the settlement account (pay-in up, pay-out down).
      await this.outboxPosting(tx, await this.chainId(tx), {
        postingId: confirmationPostingId(confirmationId),
        participantId: instruction.participantId,
        currency: instruction.currency,
        direction: instruction.direction as InstructionDirection,
        amountMinor: amountMinor.toString(),
        reference: `window ${instruction.windowId} instruction ${instructionId} bank ${bankReference}`,
      });
      const updated = await this.setConfirmed(tx, instruction, confirmed);
      await this.outbox(tx, instruction.currency, {
        v: 1,
        type: 'instruction.confirmed',
        eventId: `instruction.confirmed:${instructionId}:${bankReference}`,
        instructionId,
        windowId: instruction.windowId,
        bankReference,
        amountMinor: amountMinor.toString(),
        confirmedMinor: confirmed.toString(),
        status: updated.status as InstructionStatus,
        source,
      });
      const settled = await this.settleIfComplete(tx, instruction.windowId);
      return { instruction: updated, replayed: false, settled };
    });
  }

  /** Undoes a confirmation (a bank recall or a mistake), while the window is not settled. */
  async reverse(instructionId: string, bankReference: string): Promise<InstructionRow> {
    return this.prisma.$transaction(async (tx) => {
      const { instruction } = await this.lockInstruction(tx, instructionId, 'reverse');
      const [existing] = await tx.$queryRawUnsafe<{ id: number; amount: string; reversed: boolean }[]>(
        `select id, amount_minor::text as amount, reversed_at is not null as reversed
           from clearing.confirmations where instruction_id = $1 and bank_reference = $2 for update`,
        instructionId,
        bankReference,
      );
      if (!existing)
        throw new ClearingError(
          'CONFIRMATION_NOT_FOUND',
          `no confirmation ${bankReference} of ${instructionId}`,
        );
      if (existing.reversed)
        throw new ClearingError('CONFIRMATION_REVERSED', `confirmation ${bankReference} is already reversed`);
      await tx.$executeRawUnsafe(
        `update clearing.confirmations set reversed_at = now() where id = $1`,
        existing.id,
      );
      // The ledger undoes the confirmation's posting: same participant, currency, direction and amount.
      await this.outboxPosting(tx, await this.chainId(tx), {
        postingId: reversalPostingId(existing.id),
        participantId: instruction.participantId,
        currency: instruction.currency,
        direction: instruction.direction as InstructionDirection,
        amountMinor: existing.amount,
        reference: `reversal: window ${instruction.windowId} instruction ${instructionId} bank ${bankReference}`,
        reverses: confirmationPostingId(existing.id),
      });
      const confirmed = instruction.confirmedMinor - BigInt(existing.amount);
      const updated = await this.setConfirmed(tx, instruction, confirmed);
      await this.outbox(tx, instruction.currency, {
        v: 1,
        type: 'instruction.reversed',
        eventId: `instruction.reversed:${instructionId}:${bankReference}`,
        instructionId,
        windowId: instruction.windowId,
        bankReference,
        amountMinor: existing.amount,
        confirmedMinor: confirmed.toString(),
        status: updated.status as InstructionStatus,
      });
      return updated;
    });
  }

  /**
   * Aborts a settling window that has no confirmed amount: its instructions are cancelled and its gross
   * positions and bilateral obligations move into the open window of its currency, to be settled there.
   */
  async abort(windowId: number): Promise<{ carriedToWindowId: number }> {
    return this.prisma.$transaction(async (tx) => {
      const [w] = await tx.$queryRawUnsafe<{ status: string; currency: string }[]>(
        `select status, currency from clearing.windows where id = $1 and currency <> '' for update`,
        windowId,
      );
      if (!w) throw new ClearingError('WINDOW_NOT_FOUND', `no window ${windowId}`);
      if (w.status !== 'settling')
        throw new ClearingError(
          'WINDOW_NOT_ABORTABLE',
          `window ${windowId} is ${w.status}; only a settling window can be aborted`,
        );
      const [{ confirmed }] = await tx.$queryRawUnsafe<{ confirmed: string }[]>(
        `select coalesce(sum(confirmed_minor), 0)::text as confirmed from clearing.instructions where window_id = $1`,
        windowId,
      );
      if (BigInt(confirmed) !== 0n)
        throw new ClearingError(
          'WINDOW_NOT_ABORTABLE',
          `window ${windowId} has confirmed settlement amounts; reverse them first`,
        );
      const { id: target } = await this.lockOpenWindow(tx, w.currency);
      await tx.$executeRawUnsafe(
        `insert into clearing.positions (window_id, participant_id, currency, sent_minor, received_minor)
         select $2, participant_id, currency, sent_minor, received_minor from clearing.positions where window_id = $1
         on conflict (window_id, participant_id, currency) do update set
           sent_minor = clearing.positions.sent_minor + excluded.sent_minor,
           received_minor = clearing.positions.received_minor + excluded.received_minor`,
        windowId,
        target,
      );
      await tx.$executeRawUnsafe(
        `insert into clearing.bilateral (window_id, payer, payee, amount_minor, count)
         select $2, payer, payee, amount_minor, count from clearing.bilateral where window_id = $1
         on conflict (window_id, payer, payee) do update set
           amount_minor = clearing.bilateral.amount_minor + excluded.amount_minor,
           count = clearing.bilateral.count + excluded.count`,
        windowId,
        target,
      );
      const cancelled = await tx.$queryRawUnsafe<InstructionRow[]>(
        `update clearing.instructions set status = 'cancelled', updated_at = now() where window_id = $1
         returning id, window_id as "windowId", participant_id as "participantId", currency, direction,
           amount_minor as "amountMinor", value_date as "valueDate"`,
        windowId,
      );
      const abortedAt = new Date();
      // Each participant hears that its instruction is void (same key as its created event: same order).
      for (const i of [...cancelled].sort((a, b) => a.participantId.localeCompare(b.participantId))) {
        await this.outbox(tx, w.currency, {
          v: 1,
          type: 'instruction.cancelled',
          eventId: `instruction.cancelled:${i.id}`,
          instruction: instructionMessage({ ...i, amountMinor: BigInt(i.amountMinor) }),
          cancelledAt: abortedAt.toISOString(),
          carriedToWindowId: target,
        });
      }
      await tx.$executeRawUnsafe(
        `update clearing.windows set status = 'aborted', aborted_at = $2, carried_to_id = $3 where id = $1`,
        windowId,
        abortedAt,
        target,
      );
      await this.outbox(tx, w.currency, {
        v: 1,
        type: 'window.aborted',
        eventId: `window.aborted:${windowId}`,
        windowId,
        currency: w.currency,
        abortedAt: abortedAt.toISOString(),
        carriedToWindowId: target,
      });
      return { carriedToWindowId: target };
    });
  }

  /**
   * Announces a participant's confirmation that was not recorded (the code of the refusal), in a
   * transaction of its own since the confirmation's was rolled back; once per request.
   */
  async refuseConfirmation(
    command: ConfirmSettlementCommand,
    refusal: { code: string; detail: string },
    currency: string,
  ): Promise<void> {
    await this.prisma.$transaction(async (tx) => {
      await this.outbox(tx, currency, {
        v: 1,
        type: 'confirmation.refused',
        eventId: `confirmation.refused:${command.requestId}`,
        requestId: command.requestId,
        instructionId: command.instructionId,
        participantId: command.participantId,
        bankReference: command.bankReference,
        amountMinor: command.amountMinor,
        code: refusal.code,
        detail: refusal.detail.slice(0, 500),
      });
    });
  }

  private async lockInstruction(
    tx: Tx,
    instructionId: string,
    action: 'confirm' | 'reverse',
  ): Promise<{ instruction: InstructionRow }> {
    const [ref] = await tx.$queryRawUnsafe<{ window_id: number }[]>(
      `select window_id from clearing.instructions where id = $1`,
      instructionId,
    );
    if (!ref) throw new ClearingError('INSTRUCTION_NOT_FOUND', `no instruction ${instructionId}`);
    const [w] = await tx.$queryRawUnsafe<{ status: string }[]>(
      `select status from clearing.windows where id = $1 for update`,
      ref.window_id,
    );
    if (w.status === 'settled')
      throw new ClearingError('WINDOW_SETTLED', `window ${ref.window_id} is settled: nothing to ${action}`);
    if (w.status !== 'settling')
      throw new ClearingError('WINDOW_NOT_SETTLING', `window ${ref.window_id} is ${w.status}, not settling`);
    await tx.$queryRawUnsafe(`select id from clearing.instructions where id = $1 for update`, instructionId);
    const instruction = await tx.clearingInstruction.findUniqueOrThrow({ where: { id: instructionId } });
    return { instruction };
  }

  private async setConfirmed(
    tx: Tx,
    instruction: InstructionRow,
    confirmed: bigint,
  ): Promise<InstructionRow> {
    const status: InstructionStatus =
      confirmed === 0n
        ? 'pending'
        : confirmed === instruction.amountMinor
          ? 'confirmed'
          : 'partially-confirmed';
    return tx.clearingInstruction.update({
      where: { id: instruction.id },
      data: { confirmedMinor: confirmed, status, updatedAt: new Date() },
    });
  }

  /** Settles a settling window whose instructions are all fully confirmed (the window row is locked). */
  private async settleIfComplete(tx: Tx, windowId: number): Promise<boolean> {
    const [w] = await tx.$queryRawUnsafe<{ status: string; currency: string }[]>(
      `select status, currency from clearing.windows where id = $1`,
      windowId,
    );
    if (w?.status !== 'settling') return false;
    const instructions = await tx.clearingInstruction.findMany({
      where: { windowId },
      orderBy: { participantId: 'asc' },
    });
    if (instructions.some((i) => i.status !== 'confirmed')) return false;
    const settledAt = new Date();
    await tx.$executeRawUnsafe(
      `update clearing.windows set status = 'settled', settled_at = $2 where id = $1`,
      windowId,
      settledAt,
    );
    await this.outbox(tx, w.currency, {
      v: 1,
      type: 'window.settled',
      eventId: `window.settled:${windowId}`,
      windowId,
      currency: w.currency,
      settledAt: settledAt.toISOString(),
      instructions: instructions.map((i) => instructionMessage(i)),
    });
    return true;
  }

  private async grossPositions(db: Tx | ServicesPrismaClient, windowId: number) {
    const rows = await db.clearingPosition.findMany({
      where: { windowId },
      orderBy: { participantId: 'asc' },
    });
    return rows.map((r) => ({
      participantId: r.participantId,
      sentMinor: r.sentMinor,
      receivedMinor: r.receivedMinor,
    }));
  }

  private bilateral(db: Tx | ServicesPrismaClient, windowId: number) {
    return db.clearingBilateral.findMany({
      where: { windowId },
      orderBy: [{ payer: 'asc' }, { payee: 'asc' }],
    });
  }

  private async outbox(tx: RawSql, key: string, event: ClearingEvent): Promise<void> {
    await this.enqueue(tx, 'clearingEvents', event.eventId, key, event);
  }

  /** A signed settlement posting for ledger.commands, sent after the transaction commits. */
  private async outboxPosting(tx: Tx, chainId: string, posting: SettlementPosting): Promise<void> {
    const command: SettlementCommand = this.signer.sign(chainId, posting);
    await this.enqueue(
      tx,
      'ledgerCommands',
      `ledger.settlement:${posting.postingId}`,
      posting.postingId,
      command,
    );
  }

  private async enqueue(
    tx: RawSql,
    topic: TopicKey,
    eventId: string,
    key: string,
    payload: unknown,
  ): Promise<void> {
    await tx.$executeRawUnsafe(
      `insert into clearing.outbox (event_id, topic, key, payload) values ($1, $2, $3, $4)
       on conflict (event_id) do nothing`,
      eventId,
      topic,
      key,
      JSON.stringify(payload),
    );
  }

  /** The ledger's chain id, from the blocks taken in: settlement postings are signed for it. */
  private async chainId(tx: Tx): Promise<string> {
    const [row] = await tx.$queryRawUnsafe<{ chain_id: string }[]>(
      `select chain_id from clearing.blocks where chain_id <> '' order by height desc limit 1`,
    );
    if (!row)
      throw new Error('no finalized block with a chain id taken in yet: cannot sign a settlement posting');
    return row.chain_id;
  }

  // ---- reads ----

  window(id: number): Promise<WindowRow | null> {
    return this.prisma.clearingWindow.findUnique({ where: { id } });
  }

  windows(filter: { currency?: string; status?: string; limit: number }): Promise<WindowRow[]> {
    return this.prisma.clearingWindow.findMany({
      where: {
        currency: filter.currency ?? { not: '' },
        ...(filter.status ? { status: filter.status } : {}),
      },
      orderBy: { id: 'desc' },
      take: filter.limit,
    });
  }

  async windowDetail(id: number) {
    const window = await this.window(id);
    if (!window || window.currency === '') return null;
    const netting = netPositions(await this.grossPositions(this.prisma, id));
    const bilateral = await this.bilateral(this.prisma, id);
    return { window, netting, bilateral };
  }

  instructions(windowId: number): Promise<InstructionRow[]> {
    return this.prisma.clearingInstruction.findMany({
      where: { windowId },
      orderBy: { participantId: 'asc' },
    });
  }

  async instruction(id: string) {
    const instruction = await this.prisma.clearingInstruction.findUnique({ where: { id } });
    if (!instruction) return null;
    const confirmations = await this.prisma.clearingConfirmation.findMany({
      where: { instructionId: id },
      orderBy: { id: 'asc' },
    });
    return { instruction, confirmations };
  }

  async openCurrencies(): Promise<string[]> {
    const rows = await this.prisma.clearingWindow.findMany({
      where: { status: 'open', currency: { not: '' } },
      select: { currency: true },
      orderBy: { currency: 'asc' },
    });
    return rows.map((r) => r.currency);
  }

  /** Unpublished events, oldest first. */
  pendingEvents(limit: number) {
    return this.prisma.clearingOutbox.findMany({
      where: { publishedAt: null },
      orderBy: { seq: 'asc' },
      take: limit,
    });
  }

  async markPublished(seqs: bigint[]): Promise<void> {
    await this.prisma.clearingOutbox.updateMany({
      where: { seq: { in: seqs } },
      data: { publishedAt: new Date() },
    });
  }
}

export function instructionMessage(i: {
  id: string;
  windowId: number;
  participantId: string;
  currency: string;
  direction: string;
  amountMinor: bigint;
  valueDate: string;
}) {
  return {
    instructionId: i.id,
    windowId: i.windowId,
    participantId: i.participantId,
    currency: i.currency,
    direction: i.direction as 'pay-in' | 'pay-out',
    amountMinor: i.amountMinor.toString(),
    valueDate: i.valueDate,
  };
}
