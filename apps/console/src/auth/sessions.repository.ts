import { createHash, randomBytes } from 'node:crypto';
import type { ConsoleDb } from '../console.db';

export interface SessionRow {
  tokenHash: string;
  username: string;
  csrfToken: string;
  expiresAt: Date;
  absoluteExpiresAt: Date;
}

/** The cookie carries the token; the table keeps its SHA-256 only. */
export const tokenHash = (token: string) => createHash('sha256').update(token).digest('hex');

/** Sessions: random 256-bit ids, idle and absolute expiry, a CSRF token each. */
export class SessionsRepository {
  constructor(private readonly db: ConsoleDb) {}

  async create(
    username: string,
    idleMs: number,
    maxMs: number,
  ): Promise<{ token: string; session: SessionRow }> {
    const token = randomBytes(32).toString('base64url');
    const now = Date.now();
    const session = await this.db.consoleSession.create({
      data: {
        tokenHash: tokenHash(token),
        username,
        csrfToken: randomBytes(32).toString('base64url'),
        expiresAt: new Date(Math.min(now + idleMs, now + maxMs)),
        absoluteExpiresAt: new Date(now + maxMs),
      },
    });
    return { token, session };
  }

  /** The live session of a token, its idle expiry moved on; null when unknown or expired (then removed). */
  async touch(token: string, idleMs: number): Promise<SessionRow | null> {
    const hash = tokenHash(token);
    const session = await this.db.consoleSession.findUnique({ where: { tokenHash: hash } });
    if (!session) return null;
    const now = Date.now();
    if (session.expiresAt.getTime() <= now || session.absoluteExpiresAt.getTime() <= now) {
      await this.db.consoleSession.deleteMany({ where: { tokenHash: hash } });
      return null;
    }
    const expiresAt = new Date(Math.min(now + idleMs, session.absoluteExpiresAt.getTime()));
    // Written at most once every few seconds per session: most requests only read.
    if (expiresAt.getTime() - session.expiresAt.getTime() > 5_000) {
      await this.db.consoleSession.updateMany({ where: { tokenHash: hash }, data: { expiresAt } });
      return { ...session, expiresAt };
    }
    return session;
  }

  async remove(token: string): Promise<void> {
    await this.db.consoleSession.deleteMany({ where: { tokenHash: tokenHash(token) } });
  }

  /** Drops expired sessions (called now and then). */
  async sweep(): Promise<number> {
    const now = new Date();
    const n = await this.db.consoleSession.deleteMany({
      where: { OR: [{ expiresAt: { lte: now } }, { absoluteExpiresAt: { lte: now } }] },
    });
    return n.count;
  }
}
