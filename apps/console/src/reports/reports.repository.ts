import { sqlOf, SqlPool } from '@concord/db';
import type { ConsoleDb } from '../console.db';

export interface CorridorRow {
  day: string;
  payer: string;
  payee: string;
  currency: string;
  count: number;
  valueMinor: string;
}

/** Aggregates over the read model's transfers. */
export class ReportsRepository {
  private readonly sql: SqlPool;

  constructor(db: ConsoleDb) {
    this.sql = sqlOf(db);
  }

  /** Committed and fulfilled transfers per UTC day, payer, payee and currency, in [from, to). */
  async corridors(from: string, to: string): Promise<CorridorRow[]> {
    const rows = await this.sql.query<{
      day: string;
      payer: string;
      payee: string;
      currency: string;
      n: bigint;
      v: string;
    }>(
      `SELECT to_char(block_time AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, payer, payee, currency,
         count(*)::bigint AS n, sum(amount_minor)::text AS v
       FROM "console".transfer
       WHERE status IN ('committed', 'fulfilled') AND block_time >= $1::date AND block_time < $2::date
       GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`,
      [from, to],
    );
    return rows.map((r) => ({
      day: r.day,
      payer: r.payer,
      payee: r.payee,
      currency: r.currency,
      count: Number(r.n),
      valueMinor: r.v,
    }));
  }
}
