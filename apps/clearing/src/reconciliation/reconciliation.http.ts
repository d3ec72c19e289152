import { z } from 'zod';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { invalidRequest, parseRequest } from '../http/clearing.dto';
import { csvMappingSchema } from './parsers/csv';
import { STATEMENT_FORMATS } from './statement';

/** The largest statement file taken: a day of a busy settlement account. JSON bodies keep their limit. */
export const STATEMENT_BODY_LIMIT = 32 * 1024 * 1024;

/**
 * Statement files are posted as they came from the bank (application/xml, text/plain for MT940,
 * text/csv), read as text with a limit of their own so that the API's JSON limit stays small.
 */
export function acceptStatementBodies(app: NestFastifyApplication): void {
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addContentTypeParser(
    ['application/xml', 'text/xml', 'text/plain', 'text/csv'],
    { parseAs: 'string', bodyLimit: STATEMENT_BODY_LIMIT },
    (_req, body, done) => done(null, body),
  );
}

/** POST /statements: the format (detected when absent) and, for CSV, the column mapping as JSON. */
export const uploadQuery = z
  .object({
    format: z.enum(STATEMENT_FORMATS).optional(),
    mapping: z
      .string()
      .max(2000)
      .transform((text, ctx) => {
        try {
          return JSON.parse(text) as unknown;
        } catch {
          ctx.addIssue({ code: 'custom', message: 'not JSON' });
          return z.NEVER;
        }
      })
      .pipe(csvMappingSchema)
      .optional(),
  })
  .strict();

export const listQuery = z
  .object({
    status: z.enum(['open', 'linked', 'written-off']).optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .strict();

/** POST /breaks/:id/resolve: link to an instruction (an amount in the line's currency, else the line's), or write off. */
export const resolveBody = z.discriminatedUnion('action', [
  z
    .object({
      action: z.literal('link'),
      instructionId: z.string().min(1).max(64),
      amount: z.string().max(40).optional(),
    })
    .strict(),
  z.object({ action: z.literal('write-off'), reason: z.string().trim().min(3).max(500) }).strict(),
]);

/** Who does it: the operator's name, recorded on the statement or the break (the token is shared). */
export function operatorHeader(value: string | undefined): string {
  if (!value || !/^[A-Za-z0-9._@ -]{1,64}$/.test(value))
    throw invalidRequest(
      [{ field: 'X-Operator', message: 'the name of the operator, 1 to 64 characters' }],
      'who is this?',
    );
  return value;
}

/** The statement's raw text: a string body, or `content` of a JSON body. */
export function statementText(body: unknown): string {
  if (typeof body === 'string' && body.length > 0) return body;
  const json = parseRequest(z.object({ content: z.string().min(1) }).strict(), body, '(body)');
  return json.content;
}

export function breakIdParam(id: string): number | null {
  return /^[1-9]\d{0,9}$/.test(id) && Number(id) <= 2_147_483_647 ? Number(id) : null;
}

export function statementView(s: {
  id: number;
  format: string;
  statementId: string;
  account: string;
  lineCount: number;
  matchedCount: number;
  breakCount: number;
  rulesVersion: number;
  uploadedBy: string;
  uploadedAt: Date;
}) {
  return { ...s, uploadedAt: s.uploadedAt.toISOString() };
}

export function breakView(b: {
  id: number;
  statementId: number;
  lineNo: number;
  kind: string;
  instructionIds: string[];
  detail: string;
  status: string;
  rulesVersion: number;
  resolvedBy: string | null;
  resolvedAt: Date | null;
  resolution: string | null;
  createdAt: Date;
}) {
  return { ...b, resolvedAt: b.resolvedAt?.toISOString() ?? null, createdAt: b.createdAt.toISOString() };
}
