import { randomBytes } from 'node:crypto';
import { userInfo } from 'node:os';
import { commonSchema, loadConfig } from '@concord/config';
import { consoleRoleSchema, consoleUsernameSchema } from '@concord/contracts';
import { Problem } from '@concord/http-problems';
import { AuditRepository } from '../audit/audit.repository';
import { consoleDb } from '../console.db';
import { UsersRepository } from '../users/users.repository';
import { UsersService } from '../users/users.service';

const USAGE = `usage: npm run -s console:user -- <command>
  add <username> <operator|regulator|compliance|admin> [--operator-key <key id>] [--password <password>]
  disable <username>
  enable <username>
  reset <username> [--password <password>]
  list
Without --password a random one is made and printed once.`;

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

/** A value the schema accepts, or an error naming the argument and what it must be. */
function valid<T>(
  name: string,
  schema: {
    safeParse(
      v: unknown,
    ): { success: true; data: T } | { success: false; error: { issues: { message: string }[] } };
  },
  value: string,
): T {
  const result = schema.safeParse(value);
  if (!result.success)
    throw new Error(`${name} "${value}": ${result.error.issues.map((i) => i.message).join('; ')}`);
  return result.data;
}

const newPassword = (args: string[]) => option(args, '--password') ?? randomBytes(12).toString('base64url');

/**
 * `npm run console:user -- add|disable|enable|reset|list`: the console's users from the command line
 * (the first admin, a locked-out operator). Each change is recorded in the audit log as the CLI's.
 */
async function main(): Promise<void> {
  const [command, username, role] = process.argv.slice(2);
  const args = process.argv.slice(2);
  const db = consoleDb(loadConfig(commonSchema).DATABASE_URL, 2);
  const users = new UsersService(new UsersRepository(db));
  const audit = new AuditRepository(db);
  const record = (action: string, result: unknown) =>
    audit.append({
      actor: `cli:${userInfo().username}`,
      role: 'cli',
      action,
      target: username ? `username=${username}` : null,
      request: { command, username: username ?? null, role: role ?? null },
      outcome: 'ok',
      status: 200,
      result: result as Record<string, unknown>,
    });
  try {
    if (command === 'list') {
      for (const u of await users.list())
        console.log(`${u.username.padEnd(16)} ${u.role.padEnd(11)} ${u.status}`);
    } else if (command === 'add' && username && role) {
      const password = newPassword(args);
      const user = await users.add({
        username: valid('username', consoleUsernameSchema, username),
        role: valid('role', consoleRoleSchema, role),
        password,
        operatorKeyId: option(args, '--operator-key'),
      });
      await record('user.add', user);
      console.log(`added ${user.username} (${user.role}); password: ${password}`);
    } else if ((command === 'disable' || command === 'enable') && username) {
      const user = await users.setStatus(username, command === 'disable' ? 'disabled' : 'active');
      await record(`user.${command}`, user);
      console.log(`${user.username}: ${user.status}`);
    } else if (command === 'reset' && username) {
      const password = newPassword(args);
      const user = await users.resetPassword(username, password);
      await record('user.password-reset', user);
      console.log(`${user.username}: new password ${password} (unlocked, sessions ended)`);
    } else {
      console.error(USAGE);
      process.exitCode = 2;
    }
  } finally {
    await db.$disconnect();
  }
}

main().catch((error) => {
  const message =
    error instanceof Problem
      ? (error.detail ?? error.title)
      : error instanceof Error
        ? error.message
        : String(error);
  console.error(`console:user: ${message}`);
  process.exit(1);
});
