import { Body, Controller, Delete, Get, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { CONSOLE_SESSION_COOKIE, loginRequestSchema, MeResponse } from '@concord/contracts';
import { parseRequest } from '../http/problems';
import type { AuditSubject } from '../audit/audit.recorder';
import { Audited, Caller, CallerOf, ConsoleRequest, Permission } from './caller';
import { AuthService } from './auth.service';
import { cookieOf } from './session.guard';

export interface CookieSettings {
  secure: boolean;
  maxAgeSeconds: number;
}
export const COOKIE_SETTINGS = 'CONSOLE_COOKIE_SETTINGS';

/** The session cookie: HttpOnly (no script reads it), SameSite=Strict (no other site sends it). */
export function sessionCookie(token: string, settings: CookieSettings): string {
  const parts = [
    `${CONSOLE_SESSION_COOKIE}=${token}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Strict',
    `Max-Age=${settings.maxAgeSeconds}`,
  ];
  if (settings.secure) parts.push('Secure');
  return parts.join('; ');
}

/** Log in (POST), who am I (GET), log out (DELETE). */
@Controller('ops/v1/session')
export class SessionController {
  constructor(
    @Inject(AuthService) private readonly auth: AuthService,
    @Inject(COOKIE_SETTINGS) private readonly cookie: CookieSettings,
  ) {}

  @Post()
  @HttpCode(200)
  @Permission(null)
  @Audited('session.login')
  async login(
    @Body() body: unknown,
    @Req() request: ConsoleRequest & { auditSubject?: AuditSubject },
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<MeResponse> {
    const { username, password } = parseRequest(loginRequestSchema, body);
    request.auditSubject = { username, role: 'unknown' };
    const { token, me } = await this.auth.login(username, password, request.ip);
    request.auditSubject = { username, role: me.user.role };
    void reply.header('set-cookie', sessionCookie(token, this.cookie));
    return me;
  }

  @Get()
  @Permission('read')
  me(@CallerOf() caller: Caller): Promise<MeResponse> {
    return this.auth.me(caller);
  }

  @Delete()
  @HttpCode(204)
  @Permission('read')
  @Audited('session.logout')
  async logout(
    @Req() request: ConsoleRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    const token = cookieOf(request.headers.cookie, CONSOLE_SESSION_COOKIE);
    if (token) await this.auth.logout(token);
    void reply.header('set-cookie', sessionCookie('', { ...this.cookie, maxAgeSeconds: 0 }));
  }
}
