import { timingSafeEqual } from 'node:crypto';
import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  CONSOLE_CSRF_HEADER,
  CONSOLE_SESSION_COOKIE,
  ConsolePermission,
  ConsoleRole,
  mayDo,
} from '@concord/contracts';
import { Problem } from '@concord/http-problems';
import { AuditRecorder } from '../audit/audit.recorder';
import { AUDIT_ACTION, ConsoleRequest, PERMISSION } from './caller';
import { AuthService } from './auth.service';

export const isWrite = (method: string) => !['GET', 'HEAD', 'OPTIONS'].includes(method);

/** The value of one cookie of a Cookie header. */
export function cookieOf(header: string | string[] | undefined, name: string): string | undefined {
  const text = Array.isArray(header) ? header.join('; ') : (header ?? '');
  for (const part of text.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

function sameToken(given: string | string[] | undefined, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export const unauthenticated = () =>
  new Problem(401, 'UNAUTHENTICATED', 'Not logged in', { detail: 'log in first, or the session expired' });

/**
 * The one door of the API: finds the session of the cookie, demands the CSRF token on every write, and
 * the permission the route names (CONSOLE_PERMISSIONS) of the caller's role. A write refused for the role
 * is recorded in the audit log, so a regulator's attempts show there too.
 */
@Injectable()
export class SessionGuard implements CanActivate {
  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(AuthService) private readonly auth: AuthService,
    @Inject(AuditRecorder) private readonly audit: AuditRecorder,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    const permission = this.reflector.getAllAndOverride<ConsolePermission | null | undefined>(
      PERMISSION,
      targets,
    );
    if (permission === undefined || permission === null) return true;
    const request = context.switchToHttp().getRequest<ConsoleRequest>();
    const token = cookieOf(request.headers.cookie, CONSOLE_SESSION_COOKIE);
    const caller = token ? await this.auth.callerOf(token) : null;
    if (!caller) throw unauthenticated();
    request.caller = caller;
    if (isWrite(request.method) && !sameToken(request.headers[CONSOLE_CSRF_HEADER], caller.csrfToken)) {
      throw new Problem(403, 'CSRF_TOKEN_INVALID', 'Missing or wrong CSRF token', {
        detail: `every write must carry the session's token in the ${CONSOLE_CSRF_HEADER} header`,
      });
    }
    if (!mayDo(caller.role as ConsoleRole, permission)) {
      const problem = new Problem(403, 'FORBIDDEN', 'Not allowed for this role', {
        detail: `the ${caller.role} role may not do this (${permission})`,
      });
      if (isWrite(request.method)) {
        const action = this.reflector.get<string | undefined>(AUDIT_ACTION, context.getHandler());
        await this.audit.record(request, action ?? permission, {
          outcome: 'refused',
          status: 403,
          result: problem.toJSON(),
        });
      }
      throw problem;
    }
    return true;
  }
}
