import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type {
  OperationObject,
  ParameterObject,
  PathItemObject,
} from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { PARTNER_API_ROUTES, PartnerApiRoute } from '@concord/contracts';
import { applyRoute, componentSchemas, PROBLEM_REF } from './schemas';

/** Where the interactive documentation and the raw document are served (no signature needed). */
export const DOCS_PATH = 'docs';
export const DOCS_JSON_PATH = 'docs-json';

/** The three headers of a signed request, each a security scheme; every /v1 operation needs all three. */
export const SIGNATURE_SCHEMES = {
  Signature: {
    name: 'Signature',
    description: '`sig1=:<base64 Ed25519 signature of the signature base>:`',
  },
  SignatureInput: {
    name: 'Signature-Input',
    description:
      '`sig1=("@method" "@path" "@query" "content-digest");created=<unix s>;keyid="<key id>";nonce="<random>";alg="ed25519"`',
  },
  ContentDigest: {
    name: 'Content-Digest',
    description: '`sha-256=:<base64 SHA-256 of the exact body bytes>:` (of the empty string for a GET)',
  },
} as const;

const DESCRIPTION = `
The Concord settlement API for partner companies. Amounts are decimal strings in the currency's ISO 4217
exponent; errors are RFC 9457 \`application/problem+json\` with a stable \`code\`.

## Signed requests

Every \`/v1\` request carries an Ed25519 HTTP Message Signature (RFC 9421, one fixed profile): the
\`Content-Digest\`, \`Signature-Input\` and \`Signature\` headers (the three security schemes below, all
required together). The signature base is these lines joined by \`\\n\`:

    "@method": POST
    "@path": /v1/transfers
    "@query": ?wait=2000
    "content-digest": sha-256=:...:
    "@signature-params": ("@method" "@path" "@query" "content-digest");created=...;keyid="...";nonce="...";alg="ed25519"

Signatures older than the gateway's freshness window, and replayed requests (any method: a signature is
accepted once), are refused with 401. This page cannot compute signatures: use the TypeScript SDK
(\`libs/sdk\`) or \`npm run demo:curl\`.

## Idempotency

Every \`POST\` under \`/v1\` takes an \`Idempotency-Key\` header (1 to 255 letters, digits, \`-\`, \`_\`, \`.\`,
\`:\`; per participant, kept 24 h by default): the same key with the same method, path and body answers
the first response again (status and body, with \`Idempotent-Replayed: true\`); the same key with another
method, path or body gets 409 \`IDEMPOTENCY_KEY_REUSED\`, and while the first request runs 409
\`IDEMPOTENCY_KEY_IN_PROGRESS\` with \`Retry-After\`. Server errors (5xx) are not kept.

## Webhooks

\`POST /v1/webhooks\` subscribes a URL to the events of the caller's transfers (\`transfer.*\`) and of its own
settlement instructions (\`settlement.instruction.created\`, \`.confirmed\`, \`.reversed\`, \`.cancelled\`). Each event is
POSTed as JSON \`{id, type, createdAt, data}\` (\`data\`: the transfer, or the instruction) with the headers
\`Concord-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + raw body)>\` and
\`Concord-Event-Id\`. To verify: take \`t\` and \`v1\` from the header, refuse a \`t\` more than a few minutes
from your clock, compute HMAC-SHA256 with the subscription's secret (its UTF-8 bytes, \`whsec_...\`) over
\`t\`, a dot and the raw body bytes exactly as received, and compare with \`v1\` in constant time. Answer
2xx within 5 s; anything else is retried with exponential backoff, and the delivery is dead after the last
attempt. The same event keeps its id on every attempt: drop duplicates by \`Concord-Event-Id\`.
`.trim();

/** The optional header of every POST under /v1 (README, "Idempotency"). */
export const IDEMPOTENCY_KEY: ParameterObject = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description:
    'Makes the request safe to retry: the same key and request answer the first response again (for 24 h by default).',
  schema: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,255}$' },
};

/**
 * Tags and prose of the operations whose controllers carry no OpenAPI decorators; their parameters, bodies
 * and responses come from the contract (PARTNER_API_ROUTES).
 */
const OPERATIONS: Record<string, Partial<OperationObject>> = {
  'post /v1/transfers': {
    tags: ['transfers'],
    summary: 'Submit a transfer',
    description:
      'Answers 202 with status `accepted`; `?wait=<ms>` waits for the final state and answers 201 once the ' +
      'transfer is final within the wait (committed, rejected or reserved), 202 if it is still pending. The ' +
      'same id and body return the transfer as it stands (200 once final); the same id with another body ' +
      'gets 409.',
  },
  'post /v1/transfers/{id}/fulfil': {
    tags: ['transfers'],
    summary: 'The payee confirms the payout of a reserved two-phase transfer',
    description:
      'Answers 200 once the fulfil is decided (within `?wait=<ms>`, or before), 202 while pending.',
  },
  'post /v1/transfers/{id}/abort': {
    tags: ['transfers'],
    summary: 'The payer or the payee releases a reserved two-phase transfer',
    description: 'Answers 200 once the abort is decided (within `?wait=<ms>`, or before), 202 while pending.',
  },
  'post /v1/transfer-batches': {
    tags: ['transfers'],
    summary: 'Submit up to 500 transfers under one signature',
    description:
      'Answers 202 while any transfer is pending; with `?wait=<ms>`, 201 once every transfer is final ' +
      'within the wait, and 200 when every one was made before by the same ids and bodies.',
  },
  'get /v1/transfers': { tags: ['transfers'], summary: "The caller's transfers, newest first" },
  'get /v1/transfers/{id}': { tags: ['transfers'], summary: 'A transfer, to its payer or payee' },
  'get /v1/participants/me': { tags: ['accounts'], summary: 'Who the key belongs to' },
  'get /v1/accounts': { tags: ['accounts'], summary: "The caller's accounts and balances" },
  'get /v1/accounts/{participant}/{currency}/proof': {
    tags: ['accounts'],
    summary: 'A balance with its Merkle proof to a certified state root',
  },
  'get /v1/ledger/genesis': {
    tags: ['ledger'],
    summary: 'The genesis block, its certificate and first signer set: compare its hash with the agreed one',
  },
  'get /v1/ledger/signer-sets': {
    tags: ['ledger'],
    summary: 'Every signer set of the chain with the block it votes from, to check proofs of any height',
  },
  'get /v1/accounts/{participant}/{currency}/{kind}/proof': {
    tags: ['accounts'],
    summary: 'The same for a settlement or fee account (kind `settlement` or `fees`)',
  },
  'get /health': { tags: ['operations'], summary: 'Liveness' },
  'get /ready': { tags: ['operations'], summary: 'Readiness of Kafka, PostgreSQL and Redis' },
  'get /metrics': { tags: ['operations'], summary: 'Prometheus metrics' },
};

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

/** A webhook request a subscription receives, as an OpenAPI callback of POST /v1/webhooks. */
function webhookCallback(summary: string, schema: string): Record<string, PathItemObject> {
  const header = (name: string, description: string): ParameterObject => ({
    name,
    in: 'header',
    required: true,
    description,
    schema: { type: 'string' },
  });
  return {
    '{$request.body#/url}': {
      post: {
        summary,
        parameters: [
          header('Concord-Signature', '`t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + raw body)>`'),
          header('Concord-Event-Id', 'the event id (the payload `id`); the same on every attempt'),
          header('Concord-Event-Type', 'the payload `type`'),
          header('Concord-Delivery-Id', 'the delivery (one per subscription and event)'),
          header('Concord-Delivery-Attempt', '1 for the first attempt'),
        ],
        requestBody: {
          required: true,
          content: { 'application/json': { schema: { $ref: `#/components/schemas/${schema}` } } },
        },
        responses: {
          '2XX': { description: 'Received. Anything else (or no answer within the timeout) is retried.' },
        },
      },
    },
  };
}

/** Adds what the decorators cannot say: the signature on every /v1 operation, shared schemas, callbacks. */
export function enrichDocument(document: OpenAPIObject): OpenAPIObject {
  document.components = document.components ?? {};
  document.components.schemas = { ...(document.components.schemas ?? {}), ...componentSchemas() };
  const routes: Record<string, PartnerApiRoute> = PARTNER_API_ROUTES;
  const requirement = Object.fromEntries(Object.keys(SIGNATURE_SCHEMES).map((k) => [k, [] as string[]]));
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      const extra = OPERATIONS[`${method} ${path}`];
      if (extra) Object.assign(operation, extra);
      const route = routes[`${method} ${path}`];
      if (route) applyRoute(operation, route);
      // Path parameters are found from route metadata only when decorator metadata was emitted (tsc,
      // not tsx): declare every template variable, as a string.
      const parameters = [...((operation.parameters ?? []) as ParameterObject[])];
      for (const [, name] of path.matchAll(/\{([^}]+)\}/g)) {
        const found = parameters.find((p) => p.in === 'path' && p.name === name);
        if (!found) parameters.push({ name, in: 'path', required: true, schema: { type: 'string' } });
        else if (!found.schema || Object.keys(found.schema).length === 0) found.schema = { type: 'string' };
      }
      if (method === 'post' && path.startsWith('/v1/')) {
        parameters.push(IDEMPOTENCY_KEY);
        operation.responses['409'] ??= {
          description:
            'The Idempotency-Key was used with another request (`IDEMPOTENCY_KEY_REUSED`), or its first ' +
            'request is still running (`IDEMPOTENCY_KEY_IN_PROGRESS`, with `Retry-After`).',
          content: { 'application/problem+json': { schema: { $ref: PROBLEM_REF } } },
        };
      }
      operation.parameters = parameters;
      if (path.startsWith('/v1/')) {
        operation.security = [requirement];
        operation.responses['401'] ??= {
          description: 'Missing, malformed, unknown-key, bad, stale or replayed signature.',
          content: { 'application/problem+json': { schema: { $ref: PROBLEM_REF } } },
        };
        operation.responses['429'] ??= {
          description: 'Rate limit: retry after `Retry-After` seconds.',
          content: { 'application/problem+json': { schema: { $ref: PROBLEM_REF } } },
        };
      }
    }
  }
  const create = document.paths['/v1/webhooks']?.post;
  if (create) {
    create.callbacks = {
      transferEvent: webhookCallback('A transfer event, signed with the subscription secret', 'WebhookEvent'),
      settlementEvent: webhookCallback(
        "An event of the caller's own settlement instruction (created, confirmed, reversed, cancelled), signed the same way",
        'SettlementWebhookEvent',
      ),
      limitEvent: webhookCallback(
        "A limit alarm of one of the caller's position accounts (alarm, cleared), signed the same way",
        'LimitWebhookEvent',
      ),
    };
  }
  return document;
}

export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  let config = new DocumentBuilder()
    .setTitle('Concord settlement API')
    .setDescription(DESCRIPTION)
    .setVersion('1');
  for (const [key, scheme] of Object.entries(SIGNATURE_SCHEMES)) {
    config = config.addSecurity(key, {
      type: 'apiKey',
      in: 'header',
      name: scheme.name,
      description: scheme.description,
    });
  }
  return enrichDocument(SwaggerModule.createDocument(app, config.build()));
}

/** Serves the document at /docs-json and Swagger UI at /docs; neither needs a signature. */
export function setupDocs(app: INestApplication): OpenAPIObject {
  const document = buildOpenApiDocument(app);
  SwaggerModule.setup(DOCS_PATH, app, document, {
    jsonDocumentUrl: DOCS_JSON_PATH,
    yamlDocumentUrl: 'docs-yaml',
    customSiteTitle: 'Concord settlement API',
  });
  return document;
}
