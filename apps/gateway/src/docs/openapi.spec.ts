import { Test } from '@nestjs/testing';
import { COMPLIANCE_GATE } from '../compliance/screenings.controller';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Registry } from 'prom-client';
import { LedgerViewRepository } from '../finality/ledger-view.repository';
import { AccountsService } from '../accounts/accounts.service';
import { AuthService } from '../auth/auth.service';
import { HEALTH_CHECKS } from '../health/health.controller';
import { GATEWAY_LIMITS } from '../transfers/transfers.controller';
import { TransfersRepository } from '../transfers/transfers.repository';
import { TransfersService } from '../transfers/transfers.service';
import { StatementsService } from '../statements/statements.service';
import { BooksService } from '../books/books.service';
import { WebhooksService } from '../webhooks/webhooks.service';
import { GATEWAY_CONTROLLERS } from '../gateway.module';
import { QuotesService } from '../quotes/quotes.service';
import { SettlementInstructionsService } from '../settlement/settlement-instructions.service';
import { buildOpenApiDocument } from './openapi';
import { z } from 'zod';
import {
  PARTNER_API_COMPONENTS,
  PARTNER_API_ROUTES,
  PartnerApiRoute,
  TRANSFER_VIEW_STATUSES,
} from '@concord/contracts';

/** What zod itself makes of a contract schema: the test's own reading, independent of the builder. */
function zodJson(schema: z.ZodType, io: 'input' | 'output' = 'output'): Record<string, unknown> {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, {
    target: 'openapi-3.0',
    io,
    unrepresentable: 'any',
  }) as Record<string, unknown>;
  return rest;
}

type Json = Record<string, unknown>;

describe('OpenAPI document', () => {
  let app: NestFastifyApplication;

  beforeAll(async () => {
    const module = await Test.createTestingModule({
      controllers: GATEWAY_CONTROLLERS,
      providers: [
        { provide: AuthService, useValue: {} },
        { provide: TransfersService, useValue: {} },
        { provide: TransfersRepository, useValue: {} },
        { provide: GATEWAY_LIMITS, useValue: {} },
        { provide: AccountsService, useValue: {} },
        { provide: LedgerViewRepository, useValue: {} },
        { provide: HEALTH_CHECKS, useValue: {} },
        { provide: Registry, useValue: {} },
        { provide: WebhooksService, useValue: {} },
        { provide: StatementsService, useValue: {} },
        { provide: BooksService, useValue: {} },
        { provide: QuotesService, useValue: {} },
        { provide: SettlementInstructionsService, useValue: {} },
        { provide: COMPLIANCE_GATE, useValue: null },
      ],
    }).compile();
    app = module.createNestApplication<NestFastifyApplication>(new FastifyAdapter());
  });

  afterAll(async () => {
    await app?.close();
  });

  it('is generated from the controllers, with the request signature required on every /v1 operation', () => {
    const doc = buildOpenApiDocument(app);
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/health',
      '/metrics',
      '/ready',
      '/v1/accounts',
      '/v1/accounts/{participant}/{currency}/proof',
      '/v1/accounts/{participant}/{currency}/{kind}/proof',
      '/v1/books/reconciliations',
      '/v1/ledger/genesis',
      '/v1/ledger/signer-sets',
      '/v1/participants/me',
      '/v1/quotes',
      '/v1/screenings',
      '/v1/settlement-instructions',
      '/v1/settlement-instructions/{id}',
      '/v1/settlement-instructions/{id}/confirmations',
      '/v1/statements',
      '/v1/transfer-batches',
      '/v1/transfers',
      '/v1/transfers/{id}',
      '/v1/transfers/{id}/abort',
      '/v1/transfers/{id}/fulfil',
      '/v1/webhooks',
      '/v1/webhooks/{id}',
      '/v1/webhooks/{id}/deliveries',
    ]);
    expect(doc.paths['/health'].get!.security).toBeUndefined();
    expect(doc.components?.securitySchemes).toEqual({
      Signature: expect.objectContaining({ type: 'apiKey', in: 'header', name: 'Signature' }),
      SignatureInput: expect.objectContaining({ type: 'apiKey', in: 'header', name: 'Signature-Input' }),
      ContentDigest: expect.objectContaining({ type: 'apiKey', in: 'header', name: 'Content-Digest' }),
    });
    for (const [path, item] of Object.entries(doc.paths)) {
      if (!path.startsWith('/v1/')) continue;
      for (const op of [item.get, item.post, item.delete].filter((o) => o !== undefined)) {
        expect(op.security).toEqual([{ Signature: [], SignatureInput: [], ContentDigest: [] }]);
        expect(op.responses['401']).toBeDefined();
      }
      // Every write takes an Idempotency-Key; reads and deletes do not.
      if (item.post) {
        expect(item.post.parameters).toContainEqual(
          expect.objectContaining({ name: 'Idempotency-Key', in: 'header' }),
        );
        expect(item.post.responses['409']).toBeDefined();
      }
      for (const op of [item.get, item.delete].filter((o) => o !== undefined)) {
        expect(op.parameters ?? []).not.toContainEqual(expect.objectContaining({ name: 'Idempotency-Key' }));
      }
    }
  });

  it('describes the webhook body from its validation schema, both callbacks and both statement formats', () => {
    const doc = buildOpenApiDocument(app);
    const create = doc.paths['/v1/webhooks'].post!;
    const body = (create.requestBody as { content: Record<string, { schema: Record<string, unknown> }> })
      .content['application/json'].schema;
    expect(body).toMatchObject({
      type: 'object',
      required: ['url', 'events'],
      additionalProperties: false,
      properties: {
        events: {
          type: 'array',
          items: {
            enum: expect.arrayContaining([
              'transfer.committed',
              'settlement.instruction.created',
              'settlement.instruction.confirmed',
              'settlement.instruction.reversed',
              'limit.alarm',
              'limit.cleared',
            ]),
          },
        },
      },
    });
    expect(Object.keys(create.callbacks!)).toEqual(['transferEvent', 'settlementEvent', 'limitEvent']);
    expect(doc.components!.schemas!.LimitWebhookEvent).toMatchObject({
      properties: { type: { enum: ['limit.alarm', 'limit.cleared'] } },
    });
    // The settlement callback's body is the settlement payload, with the instruction as data.
    const settlementBody = (
      Object.values(create.callbacks!.settlementEvent)[0] as {
        post: { requestBody: { content: Record<string, { schema: { $ref: string } }> } };
      }
    ).post.requestBody.content['application/json'].schema.$ref;
    expect(settlementBody).toBe('#/components/schemas/SettlementWebhookEvent');
    expect(doc.components!.schemas!.SettlementWebhookEvent).toMatchObject({
      properties: {
        type: {
          enum: [
            'settlement.instruction.created',
            'settlement.instruction.confirmed',
            'settlement.instruction.reversed',
            'settlement.instruction.cancelled',
          ],
        },
        data: { properties: { amount: { type: 'string' }, direction: { enum: ['pay-in', 'pay-out'] } } },
      },
    });
    // The partner's own instructions: JSON or CSV, and the confirmation body from its validation schema.
    const instructions = doc.paths['/v1/settlement-instructions'].get!;
    expect(Object.keys((instructions.responses['200'] as { content: object }).content)).toEqual([
      'application/json',
      'text/csv',
    ]);
    expect(instructions.parameters!.map((p) => (p as { name: string }).name).sort()).toEqual([
      'currency',
      'cursor',
      'limit',
      'status',
      'window',
    ]);
    const confirmation = doc.paths['/v1/settlement-instructions/{id}/confirmations'].post!;
    expect(
      (confirmation.requestBody as { content: Record<string, { schema: Record<string, unknown> }> }).content[
        'application/json'
      ].schema,
    ).toMatchObject({ required: ['bankReference', 'amount'], additionalProperties: false });
    expect(Object.keys(confirmation.responses)).toEqual(
      expect.arrayContaining(['200', '202', '403', '404', '409', '422']),
    );
    const statement = doc.paths['/v1/statements'].get!;
    expect(Object.keys((statement.responses['200'] as { content: object }).content)).toEqual([
      'application/json',
      'application/xml',
    ]);
    expect(statement.parameters!.map((p) => (p as { name: string }).name).sort()).toEqual([
      'account',
      'from',
      'to',
    ]);
    // Every path parameter is declared once, as a string, whether decorator metadata was emitted or not.
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const op of [item.get, item.post, item.delete].filter((o) => o !== undefined)) {
        const inPath = (op.parameters ?? []).filter((p) => (p as { in: string }).in === 'path');
        expect(inPath.map((p) => (p as { name: string }).name).sort()).toEqual(
          [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort(),
        );
      }
    }
    expect(doc.paths['/v1/transfers'].post!.requestBody).toBeDefined();
    // 201 final within the wait, 202 pending, 200 an id already made: the status says what happened.
    for (const path of ['/v1/transfers', '/v1/transfer-batches']) {
      expect(Object.keys(doc.paths[path].post!.responses)).toEqual(
        expect.arrayContaining(['200', '201', '202']),
      );
    }
    expect(doc.paths['/v1/webhooks/{id}'].delete!.parameters).toEqual([
      expect.objectContaining({ name: 'id', in: 'path', required: true, schema: { type: 'string' } }),
    ]);
  });

  it('agrees with the contract: every /v1 operation, query, body, response and component comes from its zod schemas', () => {
    const doc = buildOpenApiDocument(app);
    const routes: Record<string, PartnerApiRoute> = PARTNER_API_ROUTES;
    const documented: string[] = [];
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const method of ['get', 'post', 'delete'] as const) {
        if (item[method] && path.startsWith('/v1/')) documented.push(`${method} ${path}`);
      }
    }
    // No operation without a contract, and no contract without an operation.
    expect(documented.sort()).toEqual(Object.keys(routes).sort());

    const components = doc.components!.schemas as Record<string, Json>;
    for (const [name, schema] of Object.entries(PARTNER_API_COMPONENTS)) {
      expect(components[name]).toEqual(zodJson(schema));
    }
    const refOf = (schema: z.ZodType) => {
      const named = Object.entries(PARTNER_API_COMPONENTS).find(([, s]) => s === schema);
      return named ? { $ref: `#/components/schemas/${named[0]}` } : zodJson(schema);
    };

    for (const [key, route] of Object.entries(routes)) {
      const [method, path] = key.split(' ') as ['get' | 'post' | 'delete', string];
      const operation = doc.paths[path][method]!;
      const parameters = (operation.parameters ?? []) as { name: string; in: string; required?: boolean }[];
      const query = parameters.filter((p) => p.in === 'query');
      const expected = route.query
        ? (zodJson(route.query, 'input') as { properties?: Record<string, Json>; required?: string[] })
        : {};
      expect(query.map((p) => p.name)).toEqual(Object.keys(expected.properties ?? {}));
      for (const p of query) {
        const { description, ...schema } = expected.properties![p.name];
        expect(p).toEqual({
          name: p.name,
          in: 'query',
          required: (expected.required ?? []).includes(p.name),
          ...(description ? { description } : {}),
          schema,
        });
      }
      const body = (operation.requestBody as { content?: Record<string, { schema: Json }> } | undefined)
        ?.content?.['application/json']?.schema;
      expect(body).toEqual(route.body ? zodJson(route.body, 'input') : undefined);
      for (const [status, schema] of Object.entries(route.responses)) {
        const response = operation.responses[status] as { content?: Record<string, { schema: Json }> };
        expect(response).toBeDefined();
        expect(response.content?.['application/json']?.schema).toEqual(schema ? refOf(schema) : undefined);
      }
      // Every success status the document gives is one the contract describes.
      const successes = Object.keys(operation.responses).filter((s) => s.startsWith('2'));
      expect(successes.sort()).toEqual(Object.keys(route.responses).sort());
    }
  });

  it('lists the transfer statuses once, from the contract, wherever the document shows them', () => {
    const doc = buildOpenApiDocument(app);
    const transfer = doc.components!.schemas!.Transfer as { properties: { status: { enum: string[] } } };
    expect(transfer.properties.status.enum).toEqual([...TRANSFER_VIEW_STATUSES]);
    const status = (
      doc.paths['/v1/transfers'].get!.parameters as unknown as { name: string; schema: Json }[]
    ).find((p) => p.name === 'status');
    expect(status!.schema.enum).toEqual([...TRANSFER_VIEW_STATUSES]);
  });
});
