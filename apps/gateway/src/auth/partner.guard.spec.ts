import { Controller, Get, Post, UseGuards } from '@nestjs/common';
import { GUARDS_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import type { FastifyInstance } from 'fastify';
import { GATEWAY_CONTROLLERS } from '../gateway.module';
import { ProblemFilter } from '../problems/problem';
import { AuthFailure } from './auth.errors';
import type { AuthenticatedRequest } from './auth.service';
import { AuthService } from './auth.service';
import type { KnownParticipant } from './participants.repository';
import { Partner, PartnerGuard } from './partner.guard';

const HK: KnownParticipant = {
  id: 'hk-remit',
  name: 'HK Remit',
  status: 'active',
  currencies: ['USD'],
} as KnownParticipant;

@Controller('v1/probe')
@UseGuards(PartnerGuard)
class ProbeController {
  @Get()
  whole(@Partner() caller: AuthenticatedRequest) {
    return { participant: caller.participant.id, keyId: caller.keyId, body: caller.signed.body };
  }

  @Get('participant')
  participant(@Partner('participant') participant: KnownParticipant) {
    return { id: participant.id };
  }

  @Post()
  twice(@Partner() first: AuthenticatedRequest, @Partner() second: AuthenticatedRequest) {
    return { same: first === second };
  }
}

/** A controller that reads the caller without the guard: a bug, answered as one. */
@Controller('v1/unguarded')
class UnguardedController {
  @Get()
  read(@Partner() caller: AuthenticatedRequest) {
    return caller;
  }
}

/** The signed-partner guard and @Partner() through a real Nest application on Fastify. */
describe('PartnerGuard and @Partner()', () => {
  let app: NestFastifyApplication;
  let http: FastifyInstance;
  const calls: string[] = [];
  const bugs: unknown[] = [];
  const auth = {
    authenticateRequest: (req: { url: string; headers: Record<string, unknown> }) => {
      calls.push(req.url);
      if (req.headers['signature'] !== 'good') {
        return Promise.reject(new AuthFailure({ kind: 'INVALID_SIGNATURE' }));
      }
      return Promise.resolve({
        participant: HK,
        keyId: 'hk-key-1',
        created: 0,
        signature: 'good',
        signed: { method: 'GET', path: req.url, query: '', body: '{"a":1}', created: 0, keyId: 'hk-key-1' },
      } satisfies AuthenticatedRequest);
    },
  };

  beforeAll(async () => {
    const module = await Test.createTestingModule({
      controllers: [ProbeController, UnguardedController],
      providers: [{ provide: AuthService, useValue: auth }],
    }).compile();
    app = module.createNestApplication<NestFastifyApplication>(new FastifyAdapter());
    app.useGlobalFilters(new ProblemFilter((error) => bugs.push(error)));
    await app.init();
    http = app.getHttpAdapter().getInstance();
    await http.ready();
  });

  afterAll(async () => {
    await app?.close();
  });

  beforeEach(() => {
    calls.length = 0;
    bugs.length = 0;
  });

  it('authenticates a request once and hands the signed caller to the handler', async () => {
    const res = await http.inject({ method: 'GET', url: '/v1/probe', headers: { signature: 'good' } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ participant: 'hk-remit', keyId: 'hk-key-1', body: '{"a":1}' });
    expect(calls).toEqual(['/v1/probe']);
  });

  it("hands only the participant with @Partner('participant')", async () => {
    const res = await http.inject({
      method: 'GET',
      url: '/v1/probe/participant',
      headers: { signature: 'good' },
    });
    expect(res.json()).toEqual({ id: 'hk-remit' });
    expect(calls).toHaveLength(1);
  });

  it('gives every @Partner() argument of a handler the one authentication', async () => {
    const res = await http.inject({ method: 'POST', url: '/v1/probe', headers: { signature: 'good' } });
    expect(res.json()).toEqual({ same: true });
    expect(calls).toHaveLength(1);
  });

  it('answers a refusal as its problem+json and never runs the handler', async () => {
    const res = await http.inject({ method: 'GET', url: '/v1/probe', headers: { signature: 'bad' } });
    expect(res.statusCode).toBe(401);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toEqual({
      type: 'https://concord.example/problems/invalid-signature',
      title: 'Unauthenticated',
      status: 401,
      code: 'INVALID_SIGNATURE',
      detail: 'the signature does not verify',
    });
    expect(bugs).toEqual([]);
  });

  it('treats @Partner() on a route without the guard as a bug (500), not as an anonymous caller', async () => {
    const res = await http.inject({ method: 'GET', url: '/v1/unguarded', headers: { signature: 'good' } });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toMatchObject({ code: 'INTERNAL_ERROR' });
    expect(calls).toEqual([]);
    expect(bugs).toHaveLength(1);
  });

  it('guards every /v1 controller of the gateway', () => {
    const partnerApi = GATEWAY_CONTROLLERS.filter((c) =>
      String(Reflect.getMetadata(PATH_METADATA, c)).startsWith('v1'),
    );
    expect(partnerApi.length).toBeGreaterThanOrEqual(7);
    for (const controller of partnerApi) {
      expect([controller.name, Reflect.getMetadata(GUARDS_METADATA, controller)]).toEqual([
        controller.name,
        [PartnerGuard],
      ]);
    }
  });
});
