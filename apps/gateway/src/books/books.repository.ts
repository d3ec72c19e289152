import { ServicesPrismaClient, SqlPool, sqlOf } from '@concord/db';

/** A transfer of the gateway's read model as a book compares it. */
export interface LedgerTransfer {
  payer: string;
  id: string;
  payee: string;
  amountMinor: bigint;
  currency: string;
  status: string;
}

const COLUMNS = `t.payer, t.id, t.payee, t.amount_minor as "amountMinor", t.currency, t.status`;

/** The caller's transfers in the gateway's read model (gateway.transfers), as payer or as payee. */
export class BooksRepository {
  private readonly sql: SqlPool;

  constructor(prisma: ServicesPrismaClient) {
    this.sql = sqlOf(prisma);
  }

  /** The participant's transfers taken in during `from <= created < to`; at most `limit` + 1. */
  async inPeriod(participant: string, from: Date, to: Date, limit: number): Promise<LedgerTransfer[]> {
    return this.rows(
      `select ${COLUMNS} from gateway.transfers t
        where (t.payer = $1 or t.payee = $1) and t.created_at >= $2 and t.created_at < $3
        order by t.payer, t.id limit $4`,
      [participant, from, to, limit + 1],
    );
  }

  /** The participant's transfers among these (payer, id) keys, whenever they were taken in. */
  async byKeys(
    participant: string,
    keys: readonly { payer: string; id: string }[],
  ): Promise<LedgerTransfer[]> {
    if (keys.length === 0) return [];
    return this.rows(
      `select ${COLUMNS} from unnest($1::text[], $2::text[]) as k(payer, id)
         join gateway.transfers t on t.id = k.id and t.payer = k.payer
        where t.payer = $3 or t.payee = $3`,
      [keys.map((k) => k.payer), keys.map((k) => k.id), participant],
    );
  }

  private async rows(text: string, params: unknown[]): Promise<LedgerTransfer[]> {
    const rows = await this.sql.query<Omit<LedgerTransfer, 'amountMinor'> & { amountMinor: string | bigint }>(
      text,
      params,
    );
    return rows.map((r) => ({ ...r, amountMinor: BigInt(r.amountMinor) }));
  }
}
