import 'reflect-metadata';
import { ArgumentsHost, Catch, Controller, ExceptionFilter, Get, Module } from '@nestjs/common';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import type { FastifyReply } from 'fastify';
import {
  authenticateOperator,
  bearerToken,
  OPERATOR_AUTH,
  OperatorAuth,
  OperatorAuthError,
  tokenMatches,
} from './operator-auth.guard';

const TOKEN = 'operator-token-for-the-unit-test-0123456789';

@Controller()
@OperatorAuth()
class GuardedController {
  @Get('ping')
  ping() {
    return { pong: true };
  }
}

/** Like the apps' own problem filters: catches everything, and would turn the guard's error into a 400. */
@Catch()
class CatchAllFilter implements ExceptionFilter {
  catch(_exception: unknown, host: ArgumentsHost): void {
    void host.switchToHttp().getResponse<FastifyReply>().status(400).send({ code: 'CATCH_ALL' });
  }
}

async function appWith(token: string | undefined): Promise<NestFastifyApplication> {
  @Module({ controllers: [GuardedController], providers: [{ provide: OPERATOR_AUTH, useValue: { token } }] })
  class GuardedModule {}
  const moduleRef = await Test.createTestingModule({ imports: [GuardedModule] }).compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), {
    logger: false,
  });
  app.useGlobalFilters(new CatchAllFilter());
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}

describe('operator authentication', () => {
  it('compares tokens exactly, whatever their lengths', () => {
    expect(tokenMatches(TOKEN, TOKEN)).toBe(true);
    expect(tokenMatches(TOKEN, TOKEN.slice(0, -1))).toBe(false);
    expect(tokenMatches(TOKEN, `${TOKEN}x`)).toBe(false);
    expect(tokenMatches(TOKEN, TOKEN.replace(/.$/, 'X'))).toBe(false);
    expect(tokenMatches(TOKEN, '')).toBe(false);
  });

  it('reads the token of a Bearer Authorization header and nothing else', () => {
    expect(bearerToken(`Bearer ${TOKEN}`)).toBe(TOKEN);
    expect(bearerToken(`bearer ${TOKEN}`)).toBe(TOKEN);
    expect(bearerToken('Bearer abc+/=')).toBe('abc+/=');
    expect(bearerToken(undefined)).toBe('missing');
    expect(bearerToken('')).toBe('missing');
    expect(bearerToken(TOKEN)).toBe('malformed');
    expect(bearerToken(`Basic ${TOKEN}`)).toBe('malformed');
    expect(bearerToken('Bearer ')).toBe('malformed');
    expect(bearerToken('Bearer two words')).toBe('malformed');
    expect(bearerToken([`Bearer ${TOKEN}`, `Bearer ${TOKEN}`])).toBe('malformed');
  });

  it('refuses a missing, malformed or wrong token, and every request when none is configured', () => {
    expect(() => authenticateOperator(TOKEN, `Bearer ${TOKEN}`)).not.toThrow();
    const reason = (expected: string | undefined, header: string | undefined) => {
      try {
        authenticateOperator(expected, header);
      } catch (e) {
        if (e instanceof OperatorAuthError) return e.reason;
        throw e;
      }
      return 'accepted';
    };
    expect(reason(TOKEN, undefined)).toBe('missing');
    expect(reason(TOKEN, `Token ${TOKEN}`)).toBe('malformed');
    expect(reason(TOKEN, `Bearer ${TOKEN}0`)).toBe('invalid');
    expect(reason(undefined, `Bearer ${TOKEN}`)).toBe('not-configured');
    expect(reason('', '')).toBe('not-configured');
  });

  describe('on a controller (@OperatorAuth)', () => {
    let app: NestFastifyApplication;
    const get = (headers: Record<string, string> = {}) =>
      app.getHttpAdapter().getInstance().inject({ method: 'GET', url: '/ping', headers });

    beforeAll(async () => {
      app = await appWith(TOKEN);
    });
    afterAll(async () => {
      await app?.close();
    });

    it('lets the right bearer token through', async () => {
      const res = await get({ authorization: `Bearer ${TOKEN}` });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ pong: true });
    });

    it('answers 401 problem+json, before the app’s catch-all filter, without or with a wrong token', async () => {
      const missing = await get();
      expect(missing.statusCode).toBe(401);
      expect(missing.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(missing.headers['www-authenticate']).toBe('Bearer realm="concord-operator"');
      expect(missing.json()).toEqual({
        type: 'https://concord.example/problems/unauthorized',
        title: 'Operator authentication required',
        status: 401,
        code: 'UNAUTHORIZED',
        detail: 'send the operator token as Authorization: Bearer <token>',
      });
      const wrong = await get({ authorization: `Bearer ${TOKEN.toUpperCase()}` });
      expect(wrong.statusCode).toBe(401);
      expect(wrong.headers['www-authenticate']).toBe(
        'Bearer realm="concord-operator", error="invalid_token"',
      );
      expect(wrong.json()).toMatchObject({ code: 'UNAUTHORIZED', detail: 'the operator token is not valid' });
      // An unknown route is still the app's own business (no guard runs there).
      const unknown = await app.getHttpAdapter().getInstance().inject({ method: 'GET', url: '/nope' });
      expect(unknown.json()).toEqual({ code: 'CATCH_ALL' });
    });
  });

  it('fails closed when the service has no token configured', async () => {
    const app = await appWith(undefined);
    try {
      const res = await app
        .getHttpAdapter()
        .getInstance()
        .inject({ method: 'GET', url: '/ping', headers: { authorization: 'Bearer undefined' } });
      expect(res.statusCode).toBe(401);
      expect(res.json()).toMatchObject({
        code: 'UNAUTHORIZED',
        detail: expect.stringMatching(/OPERATOR_TOKEN/),
      });
    } finally {
      await app.close();
    }
  });
});
