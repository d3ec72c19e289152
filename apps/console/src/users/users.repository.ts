import type { ConsoleRole, ConsoleUserView } from '@concord/contracts';
import type { ConsoleDb } from '../console.db';

export interface UserRow {
  username: string;
  role: string;
  passwordHash: string;
  status: string;
  operatorKeyId: string | null;
  failedLogins: number;
  lockedUntil: Date | null;
  createdAt: Date;
  lastLoginAt: Date | null;
}

export function userView(u: UserRow): ConsoleUserView {
  return {
    username: u.username,
    role: u.role as ConsoleRole,
    status: u.status as 'active' | 'disabled',
    operatorKeyId: u.operatorKeyId,
    createdAt: u.createdAt.toISOString(),
    lastLoginAt: u.lastLoginAt?.toISOString() ?? null,
    lockedUntil: u.lockedUntil && u.lockedUntil > new Date() ? u.lockedUntil.toISOString() : null,
  };
}

/** The console's people: users with their role, password hash and lockout state. */
export class UsersRepository {
  constructor(private readonly db: ConsoleDb) {}

  find(username: string): Promise<UserRow | null> {
    return this.db.consoleUser.findUnique({ where: { username } });
  }

  list(): Promise<UserRow[]> {
    return this.db.consoleUser.findMany({ orderBy: { username: 'asc' } });
  }

  /** Adds a user; null when the name is taken. */
  async add(u: {
    username: string;
    role: ConsoleRole;
    passwordHash: string;
    operatorKeyId?: string | null;
  }): Promise<UserRow | null> {
    const created = await this.db.consoleUser.createMany({
      data: [{ ...u, operatorKeyId: u.operatorKeyId ?? null }],
      skipDuplicates: true,
    });
    return created.count === 1 ? this.find(u.username) : null;
  }

  async setStatus(username: string, status: 'active' | 'disabled'): Promise<UserRow | null> {
    const n = await this.db.consoleUser.updateMany({ where: { username }, data: { status } });
    if (n.count === 1 && status === 'disabled') await this.endSessions(username);
    return n.count === 1 ? this.find(username) : null;
  }

  /** A new password: unlocks the account and ends its sessions. */
  async setPassword(username: string, passwordHash: string): Promise<UserRow | null> {
    const n = await this.db.consoleUser.updateMany({
      where: { username },
      data: { passwordHash, failedLogins: 0, lockedUntil: null },
    });
    if (n.count === 1) await this.endSessions(username);
    return n.count === 1 ? this.find(username) : null;
  }

  /** Counts a failed login; locks the account once `maxFailures` in a row are reached. */
  async recordFailure(username: string, maxFailures: number, lockMs: number): Promise<UserRow | null> {
    const rows = await this.db.$queryRawUnsafe<{ failed_logins: number }[]>(
      `UPDATE "console"."user" SET failed_logins = failed_logins + 1 WHERE username = $1 RETURNING failed_logins`,
      username,
    );
    if (rows[0] && rows[0].failed_logins >= maxFailures) {
      await this.db.consoleUser.update({
        where: { username },
        data: { lockedUntil: new Date(Date.now() + lockMs), failedLogins: 0 },
      });
    }
    return this.find(username);
  }

  async recordSuccess(username: string): Promise<void> {
    await this.db.consoleUser.update({
      where: { username },
      data: { failedLogins: 0, lockedUntil: null, lastLoginAt: new Date() },
    });
  }

  async endSessions(username: string): Promise<void> {
    await this.db.consoleSession.deleteMany({ where: { username } });
  }
}
