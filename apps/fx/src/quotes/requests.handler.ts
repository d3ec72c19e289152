import { FxErrorReply, FxOkReplies, FxReply, FxRequest, fxRequestSchema } from '@concord/contracts';
import { MoneyError } from '@concord/money';
import type { Logger } from '@concord/observability';
import { FxServiceError } from '../errors';
import type { FxMetrics } from '../metrics';
import type { PricingService } from './pricing.service';
import type { QuoteService } from './quote.service';

/** A success reply without its envelope, distributed over the request types. */
type OkBody = {
  [K in keyof FxOkReplies]: Omit<FxOkReplies[K], 'v' | 'requestId' | 'repliedAtMs'>;
}[keyof FxOkReplies];

/**
 * Answers one request from fxQuoteRequests. Every request gets exactly one reply: a success of its type,
 * or an error with a stable code (INVALID_REQUEST when it does not match its schema at all).
 */
export class FxRequestHandler {
  constructor(
    private readonly quotes: QuoteService,
    private readonly pricing: PricingService,
    private readonly log: Logger,
    private readonly metrics?: FxMetrics,
    private readonly now: () => number = Date.now,
  ) {}

  async handle(message: { requestId: string; type: string } & Record<string, unknown>): Promise<FxReply> {
    const base = { v: 1 as const, requestId: message.requestId };
    const parsed = fxRequestSchema.safeParse(message);
    let reply: FxReply;
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      reply = this.error(message.requestId, message.type, {
        code: 'INVALID_REQUEST',
        message: parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '),
        field: issue?.path.length ? issue.path.join('.') : undefined,
      });
    } else if (parsed.data.deadlineMs !== undefined && this.now() > parsed.data.deadlineMs) {
      reply = this.error(message.requestId, message.type, {
        code: 'REQUEST_EXPIRED',
        message: `the requester stopped waiting at ${parsed.data.deadlineMs}`,
      });
    } else {
      try {
        reply = { ...base, repliedAtMs: this.now(), ...(await this.dispatch(parsed.data)) } as FxReply;
      } catch (e) {
        reply = this.error(message.requestId, message.type, this.errorOf(e, message.requestId));
      }
    }
    this.metrics?.requests.inc({
      type: parsed.success ? parsed.data.type : 'invalid',
      outcome: reply.ok ? 'ok' : reply.error.code,
    });
    return reply;
  }

  private async dispatch(request: FxRequest): Promise<OkBody> {
    switch (request.type) {
      case 'quote': {
        const { quote, rates, breakdown } = await this.quotes.quote(request);
        return { type: 'quote', ok: true, quote, rates, breakdown };
      }
      case 'quote-batch': {
        // Each item on its own: one that cannot be quoted does not cost the others theirs.
        const results = await Promise.all(
          request.quotes.map(async (item) => {
            try {
              return { ok: true as const, ...(await this.quotes.quote(item)) };
            } catch (e) {
              return { ok: false as const, error: this.errorOf(e, request.requestId) };
            }
          }),
        );
        return { type: 'quote-batch', ok: true, results };
      }
      case 'set-spread': {
        const { sourceCurrency, targetCurrency, spreadBps, validFromMs, requestedBy, requestId } = request;
        const spread = await this.pricing.setSpread({
          sourceCurrency,
          targetCurrency,
          spreadBps,
          validFromMs,
          requestedBy,
          requestId,
        });
        return { type: 'set-spread', ok: true, spread };
      }
      case 'set-markup': {
        const { participantId, markupBps, validFromMs, requestedBy, requestId } = request;
        const markup = await this.pricing.setMarkup({
          participantId,
          markupBps,
          validFromMs,
          requestedBy,
          requestId,
        });
        return { type: 'set-markup', ok: true, markup };
      }
      case 'set-fee': {
        const { sourceCurrency, targetCurrency, fixed, percentBps, min, max } = request;
        const { validFromMs, requestedBy, requestId } = request;
        const fee = await this.pricing.setFee({
          sourceCurrency,
          targetCurrency,
          fixed,
          percentBps,
          min,
          max,
          validFromMs,
          requestedBy,
          requestId,
        });
        return { type: 'set-fee', ok: true, fee };
      }
      case 'get-pricing': {
        const pricing = await this.pricing.pricing(
          request.sourceCurrency,
          request.targetCurrency,
          request.participantId,
        );
        return { type: 'get-pricing', ok: true, ...pricing };
      }
    }
  }

  /** The typed error of a failed request (or batch item); an unexpected failure is logged and INTERNAL. */
  private errorOf(e: unknown, requestId: string): FxErrorReply['error'] {
    if (e instanceof FxServiceError) return { code: e.code, message: e.message, ...e.extra };
    if (e instanceof MoneyError) return { code: 'INVALID_AMOUNT', message: e.message };
    this.log.error({ err: (e as Error).message, requestId }, 'FX request failed');
    return { code: 'INTERNAL', message: 'the FX service could not answer; try again' };
  }

  private error(requestId: string, type: string, error: FxErrorReply['error']): FxErrorReply {
    return { v: 1, requestId, repliedAtMs: this.now(), type: type.slice(0, 40), ok: false, error };
  }
}
