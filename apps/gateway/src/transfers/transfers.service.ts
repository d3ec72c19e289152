import type { Producer } from 'kafkajs';
import {
  Clearance,
  InstructionCommand,
  emptyInstructionSchema,
  ID_PATTERN,
  MAX_BATCH_TRANSFERS,
  FinalizedBlock,
  parseTransferInstruction,
  topicName,
  TransferInstruction,
  transferInstructionSchema,
  parseJsonBody,
  payerParamOf,
  transferKey,
} from '@concord/contracts';
import { z } from 'zod';
import { canonicalJson, sha256Hex } from '@concord/crypto';
import { CoalescingSender } from '@concord/kafka';
import { MoneyError, parseAmount } from '@concord/money';
import type { AuthenticatedRequest } from '../auth/auth.service';
import { KnownParticipant, ParticipantsRepository } from '../auth/participants.repository';
import { isSettled, toTransferView, TransferView } from './transfers.dto';
import { fieldErrors } from '../problems/problem';
import { TransferFailure } from './transfers.errors';
import { NewTransfer, TransferRow, TransfersRepository } from './transfers.repository';
import { FinalStates } from '../finality/final-states';
import type { ComplianceGate } from '../compliance/compliance-gate';
import { ComplianceFailure } from '../compliance/compliance.errors';

/** Throws the 400 that names what is wrong with a transfer body the parser refused. */
function refuseTransferBody(json: unknown, at: string): never {
  const parsed = transferInstructionSchema.safeParse(json);
  if (parsed.success) throw new Error('the transfer parser and its schema disagree on a body');
  throw new TransferFailure({ kind: 'INVALID_BODY', errors: fieldErrors(parsed.error.issues, '(body)', at) });
}

/**
 * What a transfer's request hash is taken over: the canonical JSON (RFC 8785) of the transfer with its
 * amount in minor units and its defaults filled in, i.e. `canonicalJson({ ...t, amount, twoPhase,
 * expiresInMs })`, written out key by key in sorted order. Every request of every batch hashes one, and
 * the generic canonicalizer sorted and concatenated its way through each at several times the cost; a
 * test holds the two equal.
 */
export function requestHashText(t: TransferInstruction, amountMinor: bigint): string {
  const json = JSON.stringify;
  const quote = t.quote === undefined ? '' : `"quote":${canonicalJson(t.quote)},`;
  return (
    `{"amount":${json(amountMinor.toString())},"currency":${json(t.currency)},` +
    `"expiresInMs":${json(t.expiresInMs ?? null)},"id":${json(t.id)},"payee":${json(t.payee)},` +
    `"payer":${json(t.payer)},${quote}"twoPhase":${json(t.twoPhase ?? false)}}`
  );
}

/** The batch envelope; each element is validated on its own so that errors name the element. */
const transferBatchEnvelopeSchema = z
  .object({ transfers: z.array(z.unknown()).min(1).max(MAX_BATCH_TRANSFERS) })
  .strict();

/**
 * Accepts partners' transfers: validates them, makes the caller's id idempotent, appends the partner's
 * signed instruction to the ledger's command log, and answers with the state the ledger finalized.
 */
export class TransfersService {
  /** The requests waiting for final states; the finalized-blocks consumer wakes them. */
  readonly finalStates = new FinalStates();

  private readonly commands: CoalescingSender;

  constructor(
    private readonly repository: TransfersRepository,
    private readonly participants: ParticipantsRepository,
    producer: Producer,
    topicPrefix: string,
    /** How long a single transfer's instruction may wait for others' (GATEWAY_COMMAND_LINGER_MS). */
    commandLingerMs = 0,
    /** With COMPLIANCE_URL: transfers at or above the clearance threshold need a screening first. */
    private readonly compliance: ComplianceGate | null = null,
  ) {
    this.commands = new CoalescingSender(producer, topicName('ledgerCommands', topicPrefix), {
      lingerMs: commandLingerMs,
    });
  }

  /** Validates one transfer of the caller; throws a TransferFailure naming the field (prefixed by `at`). */
  private validate(caller: KnownParticipant, json: unknown, at = ''): NewTransfer {
    // The hand-written parser accepts exactly what the schema accepts (instruction-parser.spec.ts) at a
    // fraction of its cost; the schema runs only to name what is wrong.
    const t = parseTransferInstruction(json) ?? refuseTransferBody(json, at);
    let amountMinor: bigint;
    try {
      amountMinor = parseAmount(t.amount, t.currency);
    } catch (e) {
      if (!(e instanceof MoneyError)) throw e;
      const field = e.code === 'UNKNOWN_CURRENCY' ? 'currency' : 'amount';
      throw new TransferFailure({
        kind: 'INVALID_BODY',
        errors: [{ field: at + field, message: e.message }],
      });
    }
    if (t.payer !== caller.id) throw new TransferFailure({ kind: 'PAYER_NOT_CALLER', payer: t.payer });
    // The ledger rejects a transfer to oneself (SAME_PARTICIPANT) only after it is in the log; refusing it
    // here tells the partner at once, as for any other invalid body, at the cost of one comparison.
    if (t.payee === t.payer) {
      throw new TransferFailure({
        kind: 'INVALID_BODY',
        errors: [{ field: at + 'payee', message: 'must differ from payer' }],
      });
    }
    const payee = this.participants.get(t.payee);
    if (!payee) throw new TransferFailure({ kind: 'UNKNOWN_PAYEE', payee: t.payee });
    // A cross-currency transfer pays in the quote's source currency and is received in its target currency.
    const needs: [KnownParticipant, string][] = [
      [caller, t.currency],
      [payee, t.quote ? t.quote.targetCurrency : t.currency],
    ];
    for (const [p, currency] of needs) {
      if (!p.currencies.includes(currency))
        throw new TransferFailure({ kind: 'NO_ACCOUNT', participant: p.id, currency });
    }
    const requestHash = sha256Hex(requestHashText(t, amountMinor));
    return {
      id: t.id,
      participantId: caller.id,
      payer: t.payer,
      payee: t.payee,
      amountMinor,
      currency: t.currency,
      twoPhase: t.twoPhase ?? false,
      requestHash,
    };
  }

  private parseJson(body: string): unknown {
    const json = parseJsonBody(body);
    if (!json.ok) throw new TransferFailure({ kind: 'INVALID_BODY', errors: [json.error] });
    return json.value;
  }

  /**
   * Accepts one transfer. With `waitMs`, waits up to that long for its final state (the view returned is
   * then the latest one); the wait starts before the instruction is sent, so it cannot miss the outcome.
   */
  async submit(write: AuthenticatedRequest, waitMs = 0): Promise<{ view: TransferView; created: boolean }> {
    const transfer = this.validate(write.participant, this.parseJson(write.signed.body));
    const gate = this.compliance?.needsClearance(transfer) ? this.compliance : null;
    // Compliance is asked before anything is stored, unless the transfer is known and past 'accepted'
    // (held, decided): a retry of those answers their state without it.
    const known = gate ? await this.repository.find(transfer.payer, transfer.id) : null;
    const screening =
      gate && (!known || known.status === 'accepted') ? await gate.screeningOf(transfer) : null;
    const { row, created } = await this.repository.insertOrGet(transfer);
    if (row.requestHash !== transfer.requestHash || row.participantId !== transfer.participantId) {
      throw new TransferFailure({ kind: 'ID_REUSED', id: transfer.id });
    }
    // A transfer still 'accepted' may never have reached the log (a crash between the insert and the
    // send), so a retry sends it again; the ledger takes each id once.
    if (row.status !== 'accepted') return { view: toTransferView(row), created };
    if (gate && screening?.kind === 'held') {
      return { view: toTransferView(await gate.hold(this.commandOf(write), row)), created };
    }
    if (gate && screening?.kind === 'rejected') {
      await gate.reject(row);
      return { view: toTransferView((await this.repository.find(row.payer, row.id)) ?? row), created };
    }
    const clearances = screening?.kind === 'cleared' ? [screening.clearance] : undefined;
    const [view] = await this.forwardAndWait(write, [row], waitMs, clearances);
    return { view, created };
  }

  /** Up to MAX_BATCH_TRANSFERS transfers under one signature: one log record, one signature check. */
  async submitBatch(
    write: AuthenticatedRequest,
    waitMs = 0,
  ): Promise<{ views: TransferView[]; created: number }> {
    const json = this.parseJson(write.signed.body);
    const envelope = transferBatchEnvelopeSchema.safeParse(json);
    if (!envelope.success) {
      throw new TransferFailure({
        kind: 'INVALID_BODY',
        errors: envelope.error.issues.map((i) => ({
          field: i.path.join('.') || '(body)',
          message: i.message,
        })),
      });
    }
    const transfers = envelope.data.transfers.map((t, i) =>
      this.validate(write.participant, t, `transfers.${i}.`),
    );
    const clearances = await this.batchClearances(transfers);
    const seen = new Set<string>();
    for (const t of transfers) {
      if (seen.has(t.id)) {
        throw new TransferFailure({
          kind: 'INVALID_BODY',
          errors: [{ field: 'transfers', message: `id ${t.id} appears twice` }],
        });
      }
      seen.add(t.id);
    }
    const { rows, created } = await this.repository.insertManyOrGet(transfers);
    for (const t of transfers) {
      const row = rows.get(t.id);
      if (!row || row.requestHash !== t.requestHash || row.participantId !== t.participantId) {
        throw new TransferFailure({ kind: 'ID_REUSED', id: t.id });
      }
    }
    const ordered = transfers.map((t) => rows.get(t.id)!);
    if (!ordered.some((row) => row.status === 'accepted')) {
      return { views: ordered.map(toTransferView), created: created.size };
    }
    return { views: await this.forwardAndWait(write, ordered, waitMs, clearances), created: created.size };
  }

  /**
   * The clearances of a batch's transfers that need one. A batch is one signed request and cannot be
   * split, so it goes only when every such transfer is cleared: a held or refused one is sent on its own.
   */
  private async batchClearances(transfers: NewTransfer[]): Promise<Clearance[] | undefined> {
    const gate = this.compliance;
    const needing = gate ? transfers.filter((t) => gate.needsClearance(t)) : [];
    if (!gate || needing.length === 0) return undefined;
    const screenings = await Promise.all(needing.map((t) => gate.screeningOf(t)));
    const notClear = needing.filter((_, i) => screenings[i].kind !== 'cleared').map((t) => t.id);
    if (notClear.length > 0) throw new ComplianceFailure({ kind: 'SCREENING_NOT_CLEAR', ids: notClear });
    return screenings.flatMap((s) => (s.kind === 'cleared' ? [s.clearance] : []));
  }

  /**
   * Sends the instruction and, with `waitMs`, waits until each of `rows` is final (or the time is up). The
   * listeners are in place before the send, so the rows just written stand for the first read and no
   * outcome is missed; the states the finalized blocks brought are laid over them exactly as the block's
   * application wrote them, so that only a row that no block settled in time is read again.
   */
  private async forwardAndWait(
    write: AuthenticatedRequest,
    rows: TransferRow[],
    waitMs: number,
    clearances?: Clearance[],
  ): Promise<TransferView[]> {
    if (waitMs <= 0) {
      await this.forward(write, clearances);
      return rows.map(toTransferView);
    }
    const watch = this.finalStates.watch(rows.map((r) => transferKey(r.payer, r.id)));
    try {
      await this.forward(write, clearances);
      for (const row of rows) if (isSettled(row.status)) watch.settled(transferKey(row.payer, row.id));
      await watch.done(waitMs);
      const current = rows.map((r) => watch.latest(r));
      const unsettled = current.filter((r) => !isSettled(r.status));
      const reread = new Map(
        (unsettled.length > 0 ? await this.repository.findMany(unsettled) : []).map((r) => [r.id, r]),
      );
      return current.map((r) => toTransferView(reread.get(r.id) ?? r));
    } finally {
      watch.close();
    }
  }

  /**
   * `POST /v1/transfers/{id}/fulfil` (the payee confirms the payout) or `/abort` (payer or payee): checked
   * here for a quick answer, then the partner's signed request goes to the ledger, which decides. The
   * transfer is found as the ledger will find it: by the `payer` of the signed query when there is one
   * (payerParamOf, which every signer reads alike), otherwise as GET finds it.
   */
  async complete(
    write: AuthenticatedRequest,
    id: string,
    action: 'fulfil' | 'abort',
  ): Promise<{ view: TransferView; sent: boolean }> {
    const body = write.signed.body.trim();
    if (body !== '' && !emptyInstructionSchema.safeParse(this.parseJson(body)).success) {
      throw new TransferFailure({
        kind: 'INVALID_BODY',
        errors: [{ field: '(body)', message: 'the body must be empty or {}' }],
      });
    }
    const payer = payerParamOf(write.signed.query);
    if (payer === null) {
      throw new TransferFailure({
        kind: 'INVALID_QUERY',
        errors: [{ field: 'payer', message: 'once at most, and an id' }],
      });
    }
    const row = await this.get(write.participant.id, id, payer);
    const caller = write.participant.id;
    const allowed = action === 'fulfil' ? caller === row.payee : caller === row.payee || caller === row.payer;
    if (!allowed) throw new TransferFailure({ kind: 'ACTION_NOT_ALLOWED', id, action });
    const done = action === 'fulfil' ? 'fulfilled' : 'aborted';
    if (row.status === done) return { view: toTransferView(row), sent: false };
    if (row.status !== 'reserved')
      throw new TransferFailure({ kind: 'NOT_RESERVED', id, status: row.status });
    await this.forward(write);
    return { view: toTransferView(row), sent: true };
  }

  /** The partner's signed request as the ledger command that carries it. */
  private commandOf(write: AuthenticatedRequest): InstructionCommand {
    return {
      v: 1,
      type: 'instruction',
      participantId: write.participant.id,
      request: { ...write.signed, method: 'POST', query: write.signed.query ?? '' },
      signature: write.signature,
    };
  }

  private async forward(write: AuthenticatedRequest, clearances?: Clearance[]): Promise<void> {
    const command = this.commandOf(write);
    await this.sendCommand(clearances ? { ...command, clearances } : command);
  }

  /** Appends a command to the ledger's log (also a held transfer's, once compliance released it). */
  async sendCommand(command: InstructionCommand): Promise<void> {
    try {
      await this.commands.send(command);
    } catch {
      throw new TransferFailure({ kind: 'LEDGER_UNAVAILABLE' });
    }
  }

  /**
   * The transfer `id` as the caller sees it: a transfer is known by its payer and id, and a caller sees
   * only those it is a party to, so that nothing tells it of another partner's ids. With `payer`, that
   * payer's transfer. Without, the caller's own transfer with that id if it has one (another partner's
   * choice of id never hides the caller's own), else the one paid to it with that id; when several
   * payers paid it under that id, AMBIGUOUS_TRANSFER_ID names them, for `?payer=` to choose.
   */
  async get(callerId: string, id: string, payer?: string): Promise<TransferRow> {
    // An id that no transfer can have (any byte from the URL) is simply not found, without a query.
    if (!ID_PATTERN.test(id)) throw new TransferFailure({ kind: 'NOT_FOUND', id });
    if (payer !== undefined) {
      const row = await this.repository.find(payer, id);
      if (!row || (row.payer !== callerId && row.payee !== callerId))
        throw new TransferFailure({ kind: 'NOT_FOUND', id });
      return row;
    }
    const rows = await this.repository.withId(callerId, id);
    const own = rows.find((r) => r.payer === callerId);
    if (own) return own;
    if (rows.length > 1)
      throw new TransferFailure({ kind: 'AMBIGUOUS_ID', id, payers: rows.map((r) => r.payer) });
    if (rows.length === 0) throw new TransferFailure({ kind: 'NOT_FOUND', id });
    return rows[0];
  }

  /**
   * Waits up to `waitMs` for the transfer (found as `get` finds it) to reach a final state, then returns
   * what it is. The listener is in place before the second read, so a block finalized after the first
   * read is not missed.
   */
  async waitFor(
    callerId: string,
    id: string,
    waitMs: number,
    settled: (status: string) => boolean = isSettled,
    payer?: string,
  ): Promise<TransferView> {
    const first = await this.get(callerId, id, payer);
    if (waitMs <= 0 || settled(first.status)) return toTransferView(first);
    const watch = this.finalStates.watch([transferKey(first.payer, first.id)]);
    try {
      const again = (await this.repository.find(first.payer, first.id)) ?? first;
      if (settled(again.status)) return toTransferView(again);
      await watch.done(waitMs);
      return toTransferView((await this.repository.find(first.payer, first.id)) ?? again);
    } finally {
      watch.close();
    }
  }

  /**
   * Called by the finalized-blocks consumer after it applied a block (in the transaction whose time is
   * `appliedAt`): wakes the requests that wait for its transfers (see FinalStates.notify).
   */
  notify(block: Pick<FinalizedBlock, 'header' | 'outcomes'>, appliedAt: Date | null): void {
    this.finalStates.notify(block, appliedAt);
  }
}
