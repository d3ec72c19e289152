import { Pool, PoolClient, types } from 'pg';

/**
 * Plain SQL on the node-postgres pool under a Prisma client, for the few statements on the hot path of
 * every block or request that carry large column arrays. Prisma's raw queries go through its query
 * interpreter, which costs a fixed amount of CPU per call plus some per array element; node-postgres alone
 * costs a fraction of that (figures in docs/performance.md).
 * Everything else keeps using Prisma. Values come back as the Prisma raw queries gave them: `bigint`
 * columns as bigint, `timestamp` columns (stored in UTC) as Dates in UTC.
 */
export interface Sql {
  query<R>(text: string, values?: readonly unknown[]): Promise<R[]>;
  /** Runs a statement; returns the number of rows it affected. */
  execute(text: string, values?: readonly unknown[]): Promise<number>;
}

/**
 * The raw-query surface that a Prisma interactive transaction and node-postgres both offer, for
 * repository helpers that run inside either kind of transaction: a per-block path on node-postgres, an
 * operator's rarer command on Prisma, with the same statements.
 */
export interface RawSql {
  $executeRawUnsafe(query: string, ...values: unknown[]): Promise<number>;
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T>;
}

/** An Sql (a pool or one of its transactions) seen through the RawSql surface. */
export function rawSqlOf(sql: Sql): RawSql {
  return {
    $executeRawUnsafe: (query, ...values) => sql.execute(query, values),
    $queryRawUnsafe: async <T>(query: string, ...values: unknown[]) => (await sql.query(query, values)) as T,
  };
}

/**
 * Rows as a `VALUES` list of bind parameters, numbered from `$first`: `($3, $4), ($5, $6)` and the values
 * in that order. For a few rows carrying large texts (a block's log records, their outcomes and postings):
 * each text goes to PostgreSQL as it is, where a JSON document would escape it on the way out (every quote
 * of a JSON payload) and PostgreSQL would parse and unescape it again, which costs twice the time of the
 * insert on a block of 2 MB (`npm run bench`). Many small rows still go better as one JSON document.
 */
export function valuesList(
  rows: readonly (readonly unknown[])[],
  first: number,
): { text: string; values: unknown[] } {
  const values: unknown[] = [];
  const tuples: string[] = [];
  for (const row of rows) {
    const params: string[] = [];
    for (const value of row) {
      values.push(value);
      params.push(`$${first + values.length - 1}`);
    }
    tuples.push(`(${params.join(', ')})`);
  }
  return { text: tuples.join(', '), values };
}

const TIMESTAMP = 1114;

/**
 * A moment as the text of a timestamp without time zone in UTC, the way Prisma stores DateTime columns (and
 * the inverse of how timestamps are read back below): pass it with `::timestamp`, whatever the process's
 * time zone.
 */
export function timestampText(at: Date | number): string {
  return new Date(at).toISOString().replace('T', ' ').replace('Z', '');
}
const parsers = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === types.builtins.INT8) return (value: string) => BigInt(value);
    if (oid === TIMESTAMP) return (value: string) => new Date(`${value.replace(' ', 'T')}Z`);
    return types.getTypeParser(oid, format);
  },
};

class PgSql implements Sql {
  constructor(private readonly db: Pool | PoolClient) {}

  private run(text: string, values: readonly unknown[]) {
    return this.db.query({ text, values: [...values], types: parsers });
  }

  async query<R>(text: string, values: readonly unknown[] = []): Promise<R[]> {
    return (await this.run(text, values)).rows as R[];
  }

  async execute(text: string, values: readonly unknown[] = []): Promise<number> {
    return (await this.run(text, values)).rowCount ?? 0;
  }
}

/** A pool's Sql, and transactions on one of its connections. */
export class SqlPool extends PgSql {
  constructor(private readonly pool: Pool) {
    super(pool);
  }

  /** Runs `work` in one transaction on one connection: committed if it returns, rolled back if it throws. */
  async transaction<T>(work: (sql: Sql) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('begin');
      const result = await work(new PgSql(client));
      await client.query('commit');
      return result;
    } catch (error) {
      await client.query('rollback').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
}

const pools = new WeakMap<object, SqlPool>();

/** Remembers the pool a Prisma client was built on. */
export function registerSql<C extends object>(client: C, pool: Pool): C {
  // An idle connection that breaks (PostgreSQL restarted) is dropped by the pool; the next query reconnects.
  pool.on('error', () => undefined);
  pools.set(client, new SqlPool(pool));
  return client;
}

/** The plain-SQL side of a client made by servicesClient() or ledgerClient(): same pool, same settings. */
export function sqlOf(client: object): SqlPool {
  const sql = pools.get(client);
  if (!sql) throw new Error('this Prisma client was not made by servicesClient() or ledgerClient()');
  return sql;
}
