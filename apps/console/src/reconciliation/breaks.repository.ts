import type { BreakView } from '@concord/contracts';
import { sqlOf, SqlPool } from '@concord/db';
import type { ConsoleDb } from '../console.db';

export type BreakNote = BreakView['notes'][number];

/** The console's own record of who works each break and the notes on it (append-only). */
export class BreaksRepository {
  private readonly sql: SqlPool;

  constructor(db: ConsoleDb) {
    this.sql = sqlOf(db);
  }

  async add(breakId: number, kind: BreakNote['kind'], text: string, by: string): Promise<void> {
    await this.sql.execute(
      `INSERT INTO "console".break_note (break_id, kind, text, by) VALUES ($1, $2, $3, $4)`,
      [breakId, kind, text, by],
    );
  }

  /** The notes of these breaks, oldest first, by break. */
  async notesOf(breakIds: number[]): Promise<Map<number, BreakNote[]>> {
    const out = new Map<number, BreakNote[]>();
    if (breakIds.length === 0) return out;
    const rows = await this.sql.query<{
      break_id: number;
      kind: BreakNote['kind'];
      text: string;
      by: string;
      at: Date;
    }>(
      `SELECT break_id, kind, text, by, at FROM "console".break_note WHERE break_id = ANY($1::int[]) ORDER BY id`,
      [breakIds],
    );
    for (const r of rows) {
      const list = out.get(r.break_id) ?? [];
      list.push({ kind: r.kind, text: r.text, by: r.by, at: r.at.toISOString() });
      out.set(r.break_id, list);
    }
    return out;
  }
}

/** A break of clearing's API with the console's assignee (the newest assignment) and notes. */
export function withNotes<T extends { id: number }>(
  b: T,
  notes: BreakNote[] = [],
): T & { assignee: string | null; notes: BreakNote[] } {
  const assignee = notes.filter((n) => n.kind === 'assign').at(-1)?.text ?? null;
  return { ...b, assignee, notes };
}
