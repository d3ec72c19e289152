import {
  Clearance,
  InstructionCommand,
  partnerScreeningRequestSchema,
  PartnerScreeningView,
  ScreeningView,
} from '@concord/contracts';
import type { Sql } from '@concord/db';
import { MoneyError, parseAmount } from '@concord/money';
import { fieldErrors } from '../problems/problem';
import type { TransferRow } from '../transfers/transfers.repository';
import { ComplianceClient } from './compliance.client';
import { ComplianceFailure } from './compliance.errors';

/** What compliance says of a transfer that needs a clearance. */
export type Screening = { kind: 'cleared'; clearance: Clearance } | { kind: 'held' } | { kind: 'rejected' };

/** The fields of a transfer a clearance binds. */
export interface ClearedTransfer {
  id: string;
  payer: string;
  payee: string;
  amountMinor: bigint;
  currency: string;
}

/** The reason a transfer refused by compliance ends with. */
export const COMPLIANCE_REJECTED = 'COMPLIANCE_REJECTED';

/**
 * Compliance at the gateway: a partner screens the parties of a transfer first (POST /v1/screenings,
 * forwarded to the compliance service: personal data never goes to Kafka or the ledger), then sends the
 * transfer. A transfer at or above the genesis's clearance threshold of its currency then goes to the
 * ledger only with the clearance; a held one waits here (status `held`, its signed instruction kept) until
 * its case is decided; a blocked or rejected one ends `rejected` with COMPLIANCE_REJECTED. Every signer
 * checks the clearance again, so this is the partner's fast answer, not the control.
 */
export class ComplianceGate {
  constructor(
    private readonly client: ComplianceClient,
    /** GATEWAY_CLEARANCE_THRESHOLDS: the genesis's, per currency. */
    private readonly thresholds: ReadonlyMap<string, bigint>,
    private readonly sql: Sql,
  ) {}

  needsClearance(t: { amountMinor: bigint; currency: string }): boolean {
    const threshold = this.thresholds.get(t.currency);
    return threshold !== undefined && t.amountMinor >= threshold;
  }

  /** `POST /v1/screenings` of a partner: the caller is the payer. */
  async screen(callerId: string, body: unknown): Promise<PartnerScreeningView> {
    const parsed = partnerScreeningRequestSchema.safeParse(body);
    if (!parsed.success) {
      throw new ComplianceFailure({
        kind: 'INVALID_BODY',
        errors: fieldErrors(parsed.error.issues, '(body)'),
      });
    }
    const { amount, ...request } = parsed.data;
    let amountMinor: bigint;
    try {
      amountMinor = parseAmount(amount, request.currency);
    } catch (e) {
      if (!(e instanceof MoneyError)) throw e;
      const field = e.code === 'UNKNOWN_CURRENCY' ? 'currency' : 'amount';
      throw new ComplianceFailure({ kind: 'INVALID_BODY', errors: [{ field, message: e.message }] });
    }
    const view = await this.client.screen({
      ...request,
      payer: callerId,
      amountMinor: amountMinor.toString(),
    });
    // What the partner learns: the outcome and the case, not the hits (they stay with the officers).
    return {
      transferId: view.transferId,
      status: view.status,
      ...(view.caseId ? { caseId: view.caseId } : {}),
    };
  }

  /** The screening of a transfer that needs a clearance; PARTIES_REQUIRED when it was never screened. */
  async screeningOf(t: ClearedTransfer): Promise<Screening> {
    const view = await this.client.status(t.id);
    if (!view) {
      throw new ComplianceFailure({
        kind: 'PARTIES_REQUIRED',
        transferId: t.id,
        currency: t.currency,
        thresholdMinor: String(this.thresholds.get(t.currency)),
      });
    }
    return screeningFrom(view, t);
  }

  /** Keeps the signed instruction of a held transfer and shows it `held`. */
  async hold(command: InstructionCommand, row: TransferRow): Promise<TransferRow> {
    await this.sql.execute(
      `with h as (insert into gateway.held_transfers (payer, transfer_id, command) values ($1, $2, $3::jsonb)
         on conflict do nothing)
       update gateway.transfers set status = 'held', updated_at = now()
       where id = $2 and payer = $1 and status = 'accepted'`,
      [row.payer, row.id, JSON.stringify(command)],
    );
    return { ...row, status: 'held' };
  }

  /** Ends a transfer that compliance blocked or rejected: `rejected`, COMPLIANCE_REJECTED, nothing sent. */
  async reject(row: Pick<TransferRow, 'id' | 'payer'>): Promise<void> {
    await this.sql.execute(
      `with h as (delete from gateway.held_transfers where payer = $1 and transfer_id = $2)
       update gateway.transfers set status = 'rejected', reason = $3, updated_at = now(), finalized_at = now()
       where id = $2 and payer = $1 and status in ('accepted', 'held')`,
      [row.payer, row.id, COMPLIANCE_REJECTED],
    );
  }

  /**
   * Looks up the held transfers at the compliance service: a released one is sent to the ledger with its
   * clearance (by `send`) and shown `accepted` until its block; a rejected one ends COMPLIANCE_REJECTED.
   * Sending first and forgetting the held instruction after is safe: a second send of the same transfer
   * is a repeat, which the ledger answers with the first outcome.
   */
  async releaseDecided(
    send: (command: InstructionCommand) => Promise<void>,
    limit = 500,
  ): Promise<{ released: number; rejected: number }> {
    const held = await this.sql.query<{ payer: string; transferId: string; command: InstructionCommand }>(
      `select payer, transfer_id as "transferId", command from gateway.held_transfers
       order by created_at limit $1`,
      [limit],
    );
    let released = 0;
    let rejected = 0;
    for (const h of held) {
      const view = await this.client.status(h.transferId);
      if (!view || view.status === 'held') continue;
      if (view.status === 'blocked' || view.status === 'rejected' || !view.clearance) {
        await this.reject({ id: h.transferId, payer: h.payer });
        rejected += 1;
        continue;
      }
      await send({ ...h.command, clearances: [view.clearance] });
      await this.sql.execute(
        `with h as (delete from gateway.held_transfers where payer = $1 and transfer_id = $2)
         update gateway.transfers set status = 'accepted', updated_at = now()
         where id = $2 and payer = $1 and status = 'held'`,
        [h.payer, h.transferId],
      );
      released += 1;
    }
    return { released, rejected };
  }
}

/** A screening as the gateway acts on it; a clearance must cover exactly the transfer sent. */
export function screeningFrom(view: ScreeningView, t: ClearedTransfer): Screening {
  if (view.status === 'held') return { kind: 'held' };
  if (view.status === 'blocked' || view.status === 'rejected' || !view.clearance) return { kind: 'rejected' };
  const c = view.clearance;
  const expected = {
    payer: t.payer,
    payee: t.payee,
    amountMinor: t.amountMinor.toString(),
    currency: t.currency,
  };
  for (const field of ['payer', 'payee', 'amountMinor', 'currency'] as const) {
    if (c[field] !== expected[field]) {
      throw new ComplianceFailure({
        kind: 'SCREENING_MISMATCH',
        transferId: t.id,
        field: field === 'amountMinor' ? 'amount' : field,
      });
    }
  }
  return { kind: 'cleared', clearance: c };
}
