import { ServicesPrismaClient, Sql, sqlOf } from '@concord/db';

export type TransferRow = NonNullable<
  Awaited<ReturnType<ServicesPrismaClient['gatewayTransfer']['findUnique']>>
>;

/**
 * Transfer rows by id, in plain SQL on `sql` (the pool, or a transaction applying a block): this is on
 * the path of every request, where Prisma's model queries cost about a millisecond of CPU each and its
 * raw ones several times what node-postgres alone costs.
 */
export function transferRows(sql: Sql, ids: readonly string[]): Promise<TransferRow[]> {
  return sql.query<TransferRow>(
    `select id, participant_id as "participantId", payer, payee, amount_minor as "amountMinor", currency,
       two_phase as "twoPhase", request_hash as "requestHash", status, reason, block_height as "blockHeight",
       created_at as "createdAt", updated_at as "updatedAt", finalized_at as "finalizedAt"
     from gateway.transfers where id = any($1::text[])`,
    [ids],
  );
}

export interface NewTransfer {
  id: string;
  participantId: string;
  payer: string;
  payee: string;
  amountMinor: bigint;
  currency: string;
  twoPhase: boolean;
  requestHash: string;
}

/** All I/O of the gateway's transfers table. */
export class TransfersRepository {
  /** Plain SQL on the client's pool for the statements of every request (see libs/db/src/sql.ts). */
  private readonly sql;

  constructor(private readonly prisma: ServicesPrismaClient) {
    this.sql = sqlOf(prisma);
  }

  /** Inserts the transfer unless its id exists; returns the stored row either way. */
  async insertOrGet(transfer: NewTransfer): Promise<{ row: TransferRow; created: boolean }> {
    const { rows, created } = await this.insertManyOrGet([transfer]);
    const row = rows.get(transfer.id);
    if (!row) throw new Error(`transfer ${transfer.id} vanished after insert`);
    return { row, created: created.has(transfer.id) };
  }

  async find(id: string): Promise<TransferRow | null> {
    return (await this.findMany([id]))[0] ?? null;
  }

  findMany(ids: string[]): Promise<TransferRow[]> {
    return transferRows(this.sql, ids);
  }

  /** Inserts every transfer whose id is new, in one statement; returns all rows for those ids. */
  async insertManyOrGet(
    transfers: NewTransfer[],
  ): Promise<{ rows: Map<string, TransferRow>; created: Set<string> }> {
    // The rows go as one JSON document (JSON.stringify is native; node-postgres escapes array parameters
    // element by element), and only what the database decides (the times) comes back: the rest of a new
    // row is what was sent.
    const byId = new Map(transfers.map((t) => [t.id, t]));
    const inserted = (
      await this.sql.query<{ id: string; createdAt: Date; updatedAt: Date }>(
        `insert into gateway.transfers (id, participant_id, payer, payee, amount_minor, currency, two_phase,
           request_hash, status, updated_at)
         select v.*, 'accepted', now() from json_to_recordset($1::json)
           as v(i text, p text, a text, b text, m bigint, c text, t boolean, h text)
         on conflict (id) do nothing returning id, created_at as "createdAt", updated_at as "updatedAt"`,
        [
          JSON.stringify(
            transfers.map((t) => ({
              i: t.id,
              p: t.participantId,
              a: t.payer,
              b: t.payee,
              m: t.amountMinor.toString(),
              c: t.currency,
              t: t.twoPhase,
              h: t.requestHash,
            })),
          ),
        ],
      )
    ).map((r): TransferRow => {
      const t = byId.get(r.id)!;
      return {
        id: t.id,
        participantId: t.participantId,
        payer: t.payer,
        payee: t.payee,
        amountMinor: t.amountMinor,
        currency: t.currency,
        twoPhase: t.twoPhase,
        requestHash: t.requestHash,
        status: 'accepted',
        reason: null,
        blockHeight: null,
        createdAt: r.createdAt,
        updatedAt: r.updatedAt,
        finalizedAt: null,
      };
    });
    // One statement in the usual case (all new); existing ids (retries, reuse) are read in a second one.
    const rows = new Map(inserted.map((r) => [r.id, r]));
    const missing = transfers.map((t) => t.id).filter((id) => !rows.has(id));
    if (missing.length > 0) for (const row of await this.findMany(missing)) rows.set(row.id, row);
    return { rows, created: new Set(inserted.map((r) => r.id)) };
  }

  /**
   * The caller's transfers (as payer or payee), newest first, keyset-paginated on (created_at, id) so that
   * pages stay stable while new transfers arrive.
   */
  list(filter: {
    participantId: string;
    role?: 'payer' | 'payee';
    status?: string;
    currency?: string;
    from?: Date;
    to?: Date;
    before?: { createdAt: Date; id: string };
    limit: number;
  }): Promise<TransferRow[]> {
    const mine =
      filter.role === 'payer'
        ? { payer: filter.participantId }
        : filter.role === 'payee'
          ? { payee: filter.participantId }
          : { OR: [{ payer: filter.participantId }, { payee: filter.participantId }] };
    return this.prisma.gatewayTransfer.findMany({
      where: {
        AND: [
          mine,
          filter.status ? { status: filter.status } : {},
          filter.currency ? { currency: filter.currency } : {},
          filter.from || filter.to ? { createdAt: { gte: filter.from, lt: filter.to } } : {},
          filter.before
            ? {
                OR: [
                  { createdAt: { lt: filter.before.createdAt } },
                  { createdAt: filter.before.createdAt, id: { lt: filter.before.id } },
                ],
              }
            : {},
        ],
      },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: filter.limit,
    });
  }
}
