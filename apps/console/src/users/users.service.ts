import { ConsoleRole, ConsoleUserView } from '@concord/contracts';
import { Problem } from '@concord/http-problems';
import { hashPassword } from '../auth/passwords';
import { notFound } from '../http/problems';
import { UsersRepository, userView } from './users.repository';

/** DEMO ONLY: the users `npm start` creates, with public passwords (docs/console.md says so). */
export const DEMO_USERS: { username: string; role: ConsoleRole; password: string; operatorKeyId?: string }[] =
  [
    { username: 'ops1', role: 'operator', password: 'ops1-demo-password', operatorKeyId: 'operator-1' },
    { username: 'ops2', role: 'operator', password: 'ops2-demo-password', operatorKeyId: 'operator-2' },
    { username: 'reg1', role: 'regulator', password: 'reg1-demo-password' },
    { username: 'admin1', role: 'admin', password: 'admin1-demo-password' },
    { username: 'comp1', role: 'compliance', password: 'comp1-demo-password' },
    { username: 'comp2', role: 'compliance', password: 'comp2-demo-password' },
  ];

/** Adding, disabling and resetting users: the admin API and the CLI share it. */
export class UsersService {
  constructor(private readonly users: UsersRepository) {}

  async list(): Promise<ConsoleUserView[]> {
    return (await this.users.list()).map(userView);
  }

  async add(u: {
    username: string;
    role: ConsoleRole;
    password: string;
    operatorKeyId?: string;
  }): Promise<ConsoleUserView> {
    if (u.operatorKeyId && u.role !== 'operator') {
      throw new Problem(400, 'VALIDATION_FAILED', 'The request is not valid', {
        errors: [{ field: 'operatorKeyId', message: 'only operators approve governance proposals' }],
      });
    }
    const added = await this.users.add({
      username: u.username,
      role: u.role,
      operatorKeyId: u.operatorKeyId,
      passwordHash: await hashPassword(u.password),
    });
    if (!added)
      throw new Problem(409, 'USER_EXISTS', 'User exists', { detail: `${u.username} exists already` });
    return userView(added);
  }

  async setStatus(username: string, status: 'active' | 'disabled'): Promise<ConsoleUserView> {
    const user = await this.users.setStatus(username, status);
    if (!user) throw notFound(`user ${username}`);
    return userView(user);
  }

  async resetPassword(username: string, password: string): Promise<ConsoleUserView> {
    const user = await this.users.setPassword(username, await hashPassword(password));
    if (!user) throw notFound(`user ${username}`);
    return userView(user);
  }

  /** Creates the DEMO users that are missing (never changes an existing one). */
  async ensureDemoUsers(): Promise<string[]> {
    const created: string[] = [];
    for (const u of DEMO_USERS) {
      if (await this.users.find(u.username)) continue;
      await this.users.add({
        username: u.username,
        role: u.role,
        operatorKeyId: u.operatorKeyId,
        passwordHash: await hashPassword(u.password),
      });
      created.push(u.username);
    }
    return created;
  }
}
