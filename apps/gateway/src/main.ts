import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { GatewayConfig } from '@concord/config';
import type { Logger } from '@concord/observability';
import { CONFIG, GatewayModule, LOGGER } from './gateway.module';
import { setupDocs } from './docs/openapi';
import { GatewayMetrics } from './metrics/gateway.metrics';
import { installHttpMetrics } from './metrics/http-metrics';
import { installRequestIds } from './tracing/request-ids';
import { ProblemFilter } from './problems/problem';
import { gatewayServerOptions, MAX_BODY_BYTES } from './problems/framework-errors';
import { AuthService } from './auth/auth.service';
import { installIdempotency } from './idempotency/idempotency.http';
import { IdempotencyService } from './idempotency/idempotency.service';

export async function createGateway(): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(
    GatewayModule,
    // Body and parameter limits, request ids, and problem+json for what Fastify refuses before routing.
    new FastifyAdapter(gatewayServerOptions()),
    { rawBody: true, logger: ['error', 'warn'] },
  );
  // JSON bodies are kept as the bytes that came (request.rawBody) and not parsed here: the signature and
  // the idempotency fingerprint are taken over those bytes, and each handler parses the text itself, where
  // a body that is not JSON gets its problem+json. Fastify's own parser made a second parse of every body,
  // which showed in the gateway's profile under batches. Every other media type is refused with 415 (Fastify's
  // built-in text/plain parser let such a body through without its bytes, to fail as a digest mismatch).
  app.getHttpAdapter().getInstance().removeAllContentTypeParsers();
  app.useBodyParser('application/json', { bodyLimit: MAX_BODY_BYTES }, (_request, _body, done) =>
    done(null, undefined),
  );
  const log = app.get<Logger>(LOGGER);
  // Before the routes are registered (app.init, at listen), so that the hook times every one of them.
  installHttpMetrics(app.getHttpAdapter().getInstance(), app.get(GatewayMetrics));
  installRequestIds(app.getHttpAdapter().getInstance(), log);
  // Idempotency-Key for every POST of /v1, before the handlers of the controllers run.
  installIdempotency(
    app.getHttpAdapter().getInstance(),
    app.get(AuthService),
    app.get(IdempotencyService),
    (error) => log.error({ err: error }, 'idempotency store failed'),
  );
  app.useGlobalFilters(
    new ProblemFilter((error, request) => log.error({ err: error, ...request }, 'unexpected error')),
  );
  // OpenAPI document at /docs-json and Swagger UI at /docs, generated from the controllers; unsigned.
  setupDocs(app);
  app.enableShutdownHooks();
  return app;
}

async function main(): Promise<void> {
  const app = await createGateway();
  const config = app.get<GatewayConfig>(CONFIG);
  await app.listen(config.GATEWAY_PORT, config.GATEWAY_HOST);
  app.get<Logger>(LOGGER).info(`gateway listening on http://${config.GATEWAY_HOST}:${config.GATEWAY_PORT}`);
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
