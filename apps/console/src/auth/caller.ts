import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { ConsolePermission, ConsoleRole } from '@concord/contracts';

/** The person behind a request, as the session guard found them. */
export interface Caller {
  username: string;
  role: ConsoleRole;
  operatorKeyId: string | null;
  csrfToken: string;
  sessionId: string;
  expiresAt: Date;
}

export const PERMISSION = 'console:permission';
export const AUDIT_ACTION = 'console:audit-action';

/** The permission a route needs (CONSOLE_PERMISSIONS of the contract); `null` for the public login. */
export const Permission = (permission: ConsolePermission | null) => SetMetadata(PERMISSION, permission);

/** Names the action a write route records in the audit log (`clearing.window.close`). */
export const Audited = (action: string) => SetMetadata(AUDIT_ACTION, action);

export interface ConsoleRequest {
  caller?: Caller;
  method: string;
  url: string;
  ip: string;
  headers: Record<string, string | string[] | undefined>;
  params?: Record<string, string>;
  body?: unknown;
}

export const CallerOf = createParamDecorator((_: unknown, ctx: ExecutionContext): Caller => {
  const caller = ctx.switchToHttp().getRequest<ConsoleRequest>().caller;
  if (!caller) throw new Error('route without the session guard asked for its caller');
  return caller;
});
