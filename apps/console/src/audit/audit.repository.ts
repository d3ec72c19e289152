import { AUDIT_GENESIS_HASH, AuditEntry, auditHashInput } from '@concord/contracts';
import { sha256Hex } from '@concord/crypto';
import { sqlOf, Sql } from '@concord/db';
import type { ConsoleDb } from '../console.db';

export type AuditRecord = Omit<AuditEntry, 'seq' | 'at' | 'prevHash' | 'hash'>;

interface AuditRow {
  seq: bigint;
  at: Date;
  actor: string;
  role: string;
  action: string;
  target: string | null;
  request: Record<string, unknown>;
  outcome: AuditEntry['outcome'];
  status: number;
  result: Record<string, unknown>;
  prev_hash: string;
  hash: string;
}

function entryOf(row: AuditRow): AuditEntry {
  return {
    seq: Number(row.seq),
    at: row.at.toISOString(),
    actor: row.actor,
    role: row.role,
    action: row.action,
    target: row.target,
    request: row.request,
    outcome: row.outcome,
    status: row.status,
    result: row.result,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

export function auditHash(prevHash: string, entry: Omit<AuditEntry, 'prevHash' | 'hash'>): string {
  return sha256Hex(auditHashInput(prevHash, entry));
}

/** Why a row breaks the chain after `previous` (null: it holds). */
export function chainFault(previous: AuditEntry | null, entry: AuditEntry): string | null {
  const expectedSeq = previous ? previous.seq + 1 : entry.seq;
  if (entry.seq !== expectedSeq) return `rows ${expectedSeq}..${entry.seq - 1} are missing`;
  const prevHash = previous ? previous.hash : AUDIT_GENESIS_HASH;
  if (entry.prevHash !== prevHash) return 'its prevHash is not the hash of the row before it';
  if (auditHash(entry.prevHash, entry) !== entry.hash) return 'its content does not match its hash';
  return null;
}

const COLUMNS = 'seq, at, actor, role, action, target, request, outcome, status, result, prev_hash, hash';

/**
 * The audit log: append-only (a trigger refuses UPDATE, DELETE and TRUNCATE) and hash-chained (each row
 * carries the hash of the one before it, so that a row changed behind the database's back is found by
 * verify()). Appends are serialized by an advisory lock so the chain never forks.
 */
export class AuditRepository {
  private readonly sql;

  constructor(db: ConsoleDb) {
    this.sql = sqlOf(db);
  }

  async append(record: AuditRecord): Promise<AuditEntry> {
    return this.sql.transaction(async (tx: Sql) => {
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext('console.audit_log'))`);
      const [last] = await tx.query<AuditRow>(
        `SELECT ${COLUMNS} FROM "console".audit_log ORDER BY seq DESC LIMIT 1`,
      );
      const body = {
        ...record,
        seq: last ? Number(last.seq) + 1 : 1,
        at: new Date().toISOString(),
        // Stored as jsonb, read back through canonical JSON: only JSON values (no undefined) go in.
        request: JSON.parse(JSON.stringify(record.request)) as Record<string, unknown>,
        result: JSON.parse(JSON.stringify(record.result)) as Record<string, unknown>,
      };
      const prevHash = last?.hash ?? AUDIT_GENESIS_HASH;
      const entry: AuditEntry = { ...body, prevHash, hash: auditHash(prevHash, body) };
      await tx.execute(
        `INSERT INTO "console".audit_log (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10::jsonb, $11, $12)`,
        [
          entry.seq,
          entry.at,
          entry.actor,
          entry.role,
          entry.action,
          entry.target,
          JSON.stringify(entry.request),
          entry.outcome,
          entry.status,
          JSON.stringify(entry.result),
          entry.prevHash,
          entry.hash,
        ],
      );
      return entry;
    });
  }

  /** Newest first, after `beforeSeq`; optionally one actor's or one action's. */
  async page(q: {
    beforeSeq?: number;
    limit: number;
    actor?: string;
    action?: string;
  }): Promise<AuditEntry[]> {
    const where: string[] = [];
    const values: unknown[] = [];
    if (q.beforeSeq !== undefined) where.push(`seq < $${values.push(q.beforeSeq)}`);
    if (q.actor) where.push(`actor = $${values.push(q.actor)}`);
    if (q.action) where.push(`action = $${values.push(q.action)}`);
    const rows = await this.sql.query<AuditRow>(
      `SELECT ${COLUMNS} FROM "console".audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY seq DESC LIMIT $${values.push(q.limit)}`,
      values,
    );
    return rows.map(entryOf);
  }

  /** Every entry, oldest first, a chunk at a time. */
  async *all(chunk = 1000): AsyncGenerator<AuditEntry> {
    let after = 0;
    for (;;) {
      const rows = await this.sql.query<AuditRow>(
        `SELECT ${COLUMNS} FROM "console".audit_log WHERE seq > $1 ORDER BY seq LIMIT $2`,
        [after, chunk],
      );
      for (const row of rows) yield entryOf(row);
      if (rows.length < chunk) return;
      after = Number(rows[rows.length - 1].seq);
    }
  }

  /** Recomputes the whole chain; names the first row that does not hold. */
  async verify(): Promise<{
    ok: boolean;
    checked: number;
    firstBad: { seq: number; reason: string } | null;
  }> {
    let previous: AuditEntry | null = null;
    let checked = 0;
    for await (const entry of this.all()) {
      const fault = chainFault(previous, entry);
      if (fault) return { ok: false, checked, firstBad: { seq: entry.seq, reason: fault } };
      previous = entry;
      checked++;
    }
    return { ok: true, checked, firstBad: null };
  }
}
