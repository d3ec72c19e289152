import { transferKey } from '@concord/contracts';
import { ServicesPrismaClient, Sql, sqlOf } from '@concord/db';

export type TransferRow = NonNullable<
  Awaited<ReturnType<ServicesPrismaClient['gatewayTransfer']['findUnique']>>
>;

/** A transfer as the ledger knows it: its payer and the id the payer gave it (see transferKey). */
export interface TransferRef {
  payer: string;
  id: string;
}

const ROW_COLUMNS = `t.id, t.participant_id as "participantId", t.payer, t.payee, t.amount_minor as "amountMinor",
  t.currency, t.two_phase as "twoPhase", t.request_hash as "requestHash", t.status, t.reason,
  t.block_height as "blockHeight", t.created_at as "createdAt", t.updated_at as "updatedAt",
  t.finalized_at as "finalizedAt"`;

/**
 * Transfer rows by payer and id, in plain SQL on `sql` (the pool, or a transaction applying a block): this
 * is on the path of every request, where Prisma's model queries cost about a millisecond of CPU each and
 * its raw ones several times what node-postgres alone costs.
 */
export function transferRows(sql: Sql, refs: readonly TransferRef[]): Promise<TransferRow[]> {
  return sql.query<TransferRow>(
    `select ${ROW_COLUMNS}
     from unnest($1::text[], $2::text[]) as k(id, payer)
       join gateway.transfers t on t.id = k.id and t.payer = k.payer`,
    [refs.map((r) => r.id), refs.map((r) => r.payer)],
  );
}

/** Rows by their key (transferKey of payer and id). */
export function rowsByKey(rows: readonly TransferRow[]): Map<string, TransferRow> {
  return new Map(rows.map((r) => [transferKey(r.payer, r.id), r]));
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

/** What inserting a request's transfers gives: the stored row of each id, and which ids it created. */
export interface InsertResult {
  rows: Map<string, TransferRow>;
  created: Set<string>;
}

/** Transfers one coalesced insert statement carries at most (whole requests, so a batch may pass it). */
const MAX_TRANSFERS_PER_INSERT = 4000;

/** All I/O of the gateway's transfers table. */
export class TransfersRepository {
  /** Plain SQL on the client's pool for the statements of every request (see libs/db/src/sql.ts). */
  private readonly sql;
  private readonly pendingInserts: {
    transfers: NewTransfer[];
    resolve: (result: InsertResult) => void;
    reject: (error: unknown) => void;
  }[] = [];
  private inserting = false;

  constructor(private readonly prisma: ServicesPrismaClient) {
    this.sql = sqlOf(prisma);
  }

  /** Inserts the transfer unless its payer has one with its id; returns the stored row either way. */
  async insertOrGet(transfer: NewTransfer): Promise<{ row: TransferRow; created: boolean }> {
    const { rows, created } = await this.insertManyOrGet([transfer]);
    const row = rows.get(transfer.id);
    if (!row) throw new Error(`transfer ${transfer.id} vanished after insert`);
    return { row, created: created.has(transfer.id) };
  }

  async find(payer: string, id: string): Promise<TransferRow | null> {
    return (await this.findMany([{ payer, id }]))[0] ?? null;
  }

  findMany(refs: readonly TransferRef[]): Promise<TransferRow[]> {
    return transferRows(this.sql, refs);
  }

  /**
   * The transfers with this id that `participantId` is a party to: its own (as payer; at most one) and
   * those paid to it by payers that chose the same id. The primary key (id, payer) leads with the id.
   */
  withId(participantId: string, id: string): Promise<TransferRow[]> {
    return this.sql.query<TransferRow>(
      `select ${ROW_COLUMNS} from gateway.transfers t
       where t.id = $1 and (t.payer = $2 or t.payee = $2) order by t.payer`,
      [id, participantId],
    );
  }

  /**
   * Inserts every transfer whose (payer, id) is new; returns all rows for those ids (each request's
   * transfers have one payer, its caller, so its result is by id). Requests that arrive while an
   * insert is running wait for the next one and go in together: under load one statement (one round trip,
   * one commit) carries the transfers of many requests, and a lone request waits for nothing.
   */
  insertManyOrGet(transfers: NewTransfer[]): Promise<InsertResult> {
    return new Promise<InsertResult>((resolve, reject) => {
      this.pendingInserts.push({ transfers, resolve, reject });
      if (!this.inserting) void this.drainInserts();
    });
  }

  private async drainInserts(): Promise<void> {
    this.inserting = true;
    try {
      while (this.pendingInserts.length > 0) {
        let count = 0;
        let take = 0;
        while (take < this.pendingInserts.length && (take === 0 || count < MAX_TRANSFERS_PER_INSERT)) {
          count += this.pendingInserts[take++].transfers.length;
        }
        const group = this.pendingInserts.splice(0, take);
        try {
          const results = await this.insertGroup(group.map((g) => g.transfers));
          group.forEach((g, i) => g.resolve(results[i]));
        } catch (error) {
          if (group.length === 1) {
            group[0].reject(error);
            continue;
          }
          // One request's rows must not fail the others': each is tried again on its own.
          for (const g of group) await this.insertGroup([g.transfers]).then(([r]) => g.resolve(r), g.reject);
        }
      }
    } finally {
      this.inserting = false;
    }
  }

  /**
   * One statement for the transfers of several requests, in order: a repeated (payer, id) is the first
   * one's. The maps here are by transfer key, as requests of several payers go together.
   */
  private async insertGroup(requests: NewTransfer[][]): Promise<InsertResult[]> {
    const first = new Map<string, NewTransfer>();
    for (const transfers of requests) {
      for (const t of transfers) {
        const key = transferKey(t.payer, t.id);
        if (!first.has(key)) first.set(key, t);
      }
    }
    // The rows go as one JSON document (JSON.stringify is native; node-postgres escapes array parameters
    // element by element), and only what the database decides (the times) comes back: the rest of a new
    // row is what was sent.
    const inserted = new Map<string, TransferRow>();
    const times = await this.sql.query<{ id: string; payer: string; createdAt: Date; updatedAt: Date }>(
      `insert into gateway.transfers (id, participant_id, payer, payee, amount_minor, currency, two_phase,
         request_hash, status, updated_at)
       select v.*, 'accepted', now() from json_to_recordset($1::json)
         as v(i text, p text, a text, b text, m bigint, c text, t boolean, h text)
       on conflict (id, payer) do nothing
       returning id, payer, created_at as "createdAt", updated_at as "updatedAt"`,
      [
        JSON.stringify(
          [...first.values()].map((t) => ({
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
    );
    for (const r of times) {
      const key = transferKey(r.payer, r.id);
      const t = first.get(key)!;
      inserted.set(key, {
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
      });
    }
    // Ids that existed before (retries, reuse) are read in a second statement, for all requests at once.
    const missing = [...first].filter(([key]) => !inserted.has(key)).map(([, t]) => t);
    const existing = rowsByKey(missing.length > 0 ? await this.findMany(missing) : []);
    // The request whose transfer was inserted created it; any other request naming the id finds it existing.
    return requests.map((transfers) => {
      const rows = new Map<string, TransferRow>();
      const created = new Set<string>();
      for (const t of transfers) {
        const key = transferKey(t.payer, t.id);
        const row = inserted.get(key) ?? existing.get(key);
        if (!row) continue;
        rows.set(t.id, row);
        if (inserted.has(key) && first.get(key) === t) created.add(t.id);
      }
      return { rows, created };
    });
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
