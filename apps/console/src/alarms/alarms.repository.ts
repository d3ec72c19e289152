import type { AlarmView } from '@concord/contracts';
import { sqlOf, SqlPool } from '@concord/db';
import type { ConsoleDb } from '../console.db';

export type NewAlarm = Omit<AlarmView, 'acknowledgedAt' | 'acknowledgedBy' | 'note'>;

interface AlarmRow {
  id: string;
  source: AlarmView['source'];
  kind: string;
  height: number | null;
  signer_id: string | null;
  participant_id: string | null;
  detail: string;
  accounts: string[];
  signers: string[];
  raw: Record<string, unknown>;
  raised_at: Date;
  acknowledged_at: Date | null;
  acknowledged_by: string | null;
  note: string | null;
}

function view(r: AlarmRow): AlarmView {
  return {
    id: r.id,
    source: r.source,
    kind: r.kind,
    height: r.height,
    signerId: r.signer_id,
    participantId: r.participant_id,
    detail: r.detail,
    accounts: r.accounts,
    signers: r.signers,
    raw: r.raw,
    raisedAt: r.raised_at.toISOString(),
    acknowledgedAt: r.acknowledged_at?.toISOString() ?? null,
    acknowledgedBy: r.acknowledged_by,
    note: r.note,
  };
}

/** Alarms as received, each stored once (by a stable id), and their acknowledgements. */
export class AlarmsRepository {
  private readonly sql: SqlPool;

  constructor(db: ConsoleDb) {
    this.sql = sqlOf(db);
  }

  /** Stores the alarms not stored yet; returns those that are new. */
  async add(alarms: NewAlarm[]): Promise<AlarmView[]> {
    if (alarms.length === 0) return [];
    const rows = await this.sql.query<AlarmRow>(
      `INSERT INTO "console".alarm (id, source, kind, height, signer_id, participant_id, detail, accounts, signers, raw, raised_at)
       SELECT id, source, kind, height, "signerId", "participantId", detail,
         ARRAY(SELECT jsonb_array_elements_text(accounts)), ARRAY(SELECT jsonb_array_elements_text(signers)),
         raw, "raisedAt"::timestamptz
       FROM jsonb_to_recordset($1::jsonb) AS x(id text, source text, kind text, height int, "signerId" text,
         "participantId" text, detail text, accounts jsonb, signers jsonb, raw jsonb, "raisedAt" text)
       ON CONFLICT (id) DO NOTHING
       RETURNING *`,
      [JSON.stringify(alarms)],
    );
    return rows.map(view);
  }

  async find(id: string): Promise<AlarmView | null> {
    const [row] = await this.sql.query<AlarmRow>(`SELECT * FROM "console".alarm WHERE id = $1`, [id]);
    return row ? view(row) : null;
  }

  /** Acknowledges an alarm not acknowledged yet; null when there is none such. */
  async acknowledge(id: string, by: string, note: string | null): Promise<AlarmView | null> {
    const [row] = await this.sql.query<AlarmRow>(
      `UPDATE "console".alarm SET acknowledged_at = now(), acknowledged_by = $2, note = $3
       WHERE id = $1 AND acknowledged_at IS NULL RETURNING *`,
      [id, by, note],
    );
    return row ? view(row) : null;
  }

  /** Newest first, keyset on (raised_at, id). */
  async page(q: {
    state: 'active' | 'acknowledged' | 'all';
    after?: { at: string; id: string };
    limit: number;
  }): Promise<AlarmView[]> {
    const where: string[] = [];
    const values: unknown[] = [];
    if (q.state === 'active') where.push('acknowledged_at IS NULL');
    if (q.state === 'acknowledged') where.push('acknowledged_at IS NOT NULL');
    if (q.after)
      where.push(`(raised_at, id) < ($${values.push(q.after.at)}::timestamptz, $${values.push(q.after.id)})`);
    const rows = await this.sql.query<AlarmRow>(
      `SELECT * FROM "console".alarm ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY raised_at DESC, id DESC LIMIT $${values.push(q.limit)}`,
      values,
    );
    return rows.map(view);
  }

  async activeCount(): Promise<number> {
    const [row] = await this.sql.query<{ n: bigint }>(
      `SELECT count(*) AS n FROM "console".alarm WHERE acknowledged_at IS NULL`,
    );
    return Number(row?.n ?? 0);
  }
}
