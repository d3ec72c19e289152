import { z } from 'zod';
import type { FxQuote } from '@concord/contracts';
import { FxClient, FxTimeoutError } from '@concord/fx-client';
import type { KnownParticipant } from '../auth/participants.repository';
import { fieldErrors, invalidInput, Problem } from '../problems/problem';

const currency = z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as USD');

/** `POST /v1/quotes`: exactly one of sendAmount (source currency) or receiveAmount (target currency). */
export const quoteRequestSchema = z
  .object({
    sourceCurrency: currency,
    targetCurrency: currency,
    sendAmount: z.string().max(40).optional(),
    receiveAmount: z.string().max(40).optional(),
    payee: z
      .string()
      .regex(/^[A-Za-z0-9._:-]{1,64}$/)
      .optional(),
  })
  .strict()
  .refine((q) => (q.sendAmount === undefined) !== (q.receiveAmount === undefined), {
    message: 'give exactly one of sendAmount and receiveAmount',
    path: ['sendAmount'],
  });

/** FX error codes and how they reach the partner: one table. */
const FX_PROBLEMS: Record<string, [number, string]> = {
  INVALID_REQUEST: [400, 'The quote request is not valid'],
  INVALID_AMOUNT: [400, 'The amount is not valid'],
  UNKNOWN_CURRENCY: [400, 'Unknown currency'],
  UNKNOWN_CORRIDOR: [422, 'No quotes for this corridor'],
  RATE_UNAVAILABLE: [503, 'No rate for this corridor now'],
  STALE_RATE: [503, 'The rate for this corridor is stale'],
  REQUEST_EXPIRED: [503, 'The FX service did not answer in time'],
  INTERNAL: [502, 'The FX service failed'],
};

/**
 * Asks the FX service for a signed quote for the caller (always the payer, so its markup applies). The
 * partner puts the whole signed quote in its transfer; the ledger checks it again on its own.
 */
export class QuotesService {
  constructor(private readonly fx: FxClient) {}

  async quote(caller: KnownParticipant, body: string): Promise<FxQuote> {
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      throw invalidInput('body', [{ field: '(body)', message: 'not valid JSON' }]);
    }
    const parsed = quoteRequestSchema.safeParse(json);
    if (!parsed.success) {
      const errors = fieldErrors(parsed.error.issues, '(body)');
      throw invalidInput('body', errors);
    }
    let reply;
    try {
      reply = await this.fx.quote({ ...parsed.data, payer: caller.id });
    } catch (e) {
      if (e instanceof FxTimeoutError) {
        throw new Problem(
          504,
          'FX_TIMEOUT',
          'The FX service did not answer in time',
          'retry shortly',
          undefined,
          { 'retry-after': '1' },
        );
      }
      throw e;
    }
    if (reply.ok) return reply.quote;
    const [status, title] = FX_PROBLEMS[reply.error.code] ?? [502, 'The FX service failed'];
    const errors = reply.error.field
      ? [{ field: reply.error.field, message: reply.error.message }]
      : undefined;
    throw new Problem(
      status,
      reply.error.code,
      title,
      reply.error.message,
      errors,
      status === 503 ? { 'retry-after': '5' } : {},
    );
  }
}
