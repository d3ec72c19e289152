import { CONSOLE_PERMISSIONS, ConsoleRole, MeResponse, mayDo, ConsolePermission } from '@concord/contracts';
import { Problem } from '@concord/http-problems';
import { UserRow, UsersRepository, userView } from '../users/users.repository';
import type { Caller } from './caller';
import { LoginThrottle } from './login-throttle';
import { dummyHash, verifyPassword } from './passwords';
import { SessionsRepository } from './sessions.repository';

export interface AuthSettings {
  idleMs: number;
  maxMs: number;
  lockoutFailures: number;
  lockoutMs: number;
  loginsPerMinute: number;
}

const invalidCredentials = () =>
  new Problem(401, 'INVALID_CREDENTIALS', 'Wrong user name or password', {
    detail: 'the user name or the password is wrong, or the account is disabled',
  });

export function permissionsOf(role: ConsoleRole): string[] {
  return (Object.keys(CONSOLE_PERMISSIONS) as ConsolePermission[]).filter((p) => mayDo(role, p));
}

/** Logins with throttling and lockout, and the sessions they open. */
export class AuthService {
  private readonly throttle: LoginThrottle;

  constructor(
    private readonly users: UsersRepository,
    private readonly sessions: SessionsRepository,
    private readonly settings: AuthSettings,
  ) {
    this.throttle = new LoginThrottle(settings.loginsPerMinute);
  }

  /**
   * Checks a password. Unknown users are checked against a dummy hash so that both take the same time; a
   * locked account answers 423 until its lock ends, whatever the password; failures count towards the lock.
   */
  async login(
    username: string,
    password: string,
    address: string,
  ): Promise<{ token: string; me: MeResponse; user: UserRow }> {
    const wait = this.throttle.take(address);
    if (wait > 0) {
      throw new Problem(429, 'TOO_MANY_LOGINS', 'Too many login attempts', {
        detail: `too many login attempts from this address; try again in ${wait} s`,
        headers: { 'retry-after': String(wait) },
      });
    }
    const user = await this.users.find(username);
    if (user?.lockedUntil && user.lockedUntil > new Date()) {
      throw new Problem(423, 'ACCOUNT_LOCKED', 'Account locked', {
        detail: `too many failed logins: locked until ${user.lockedUntil.toISOString()}`,
      });
    }
    const ok = await verifyPassword(password, user?.passwordHash ?? (await dummyHash()));
    if (!user || !ok || user.status !== 'active') {
      if (user && !ok)
        await this.users.recordFailure(user.username, this.settings.lockoutFailures, this.settings.lockoutMs);
      throw invalidCredentials();
    }
    await this.users.recordSuccess(user.username);
    const { token, session } = await this.sessions.create(
      user.username,
      this.settings.idleMs,
      this.settings.maxMs,
    );
    const fresh = (await this.users.find(user.username)) ?? user;
    return {
      token,
      user: fresh,
      me: {
        user: userView(fresh),
        csrfToken: session.csrfToken,
        expiresAt: session.expiresAt.toISOString(),
        permissions: permissionsOf(fresh.role as ConsoleRole),
      },
    };
  }

  /** The caller of a session token, or null when it is unknown, expired, or its user is disabled. */
  async callerOf(token: string): Promise<Caller | null> {
    const session = await this.sessions.touch(token, this.settings.idleMs);
    if (!session) return null;
    const user = await this.users.find(session.username);
    if (!user || user.status !== 'active') return null;
    return {
      username: user.username,
      role: user.role as ConsoleRole,
      operatorKeyId: user.operatorKeyId,
      csrfToken: session.csrfToken,
      sessionId: session.tokenHash,
      expiresAt: session.expiresAt,
    };
  }

  async me(caller: Caller): Promise<MeResponse> {
    const user = await this.users.find(caller.username);
    if (!user) throw invalidCredentials();
    return {
      user: userView(user),
      csrfToken: caller.csrfToken,
      expiresAt: caller.expiresAt.toISOString(),
      permissions: permissionsOf(caller.role),
    };
  }

  logout(token: string): Promise<void> {
    return this.sessions.remove(token);
  }

  sweep(): Promise<number> {
    return this.sessions.sweep();
  }
}
