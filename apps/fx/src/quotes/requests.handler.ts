import {
  FxErrorReply,
  FxOkReplies,
  FxReply,
  FxRequest,
  fxRequestSchema,
  FxSetFeeRequest,
} from '@concord/contracts';
import { MoneyError, parseAmount } from '@concord/money';
import type { Logger } from '@concord/observability';
import { FxServiceError } from '../errors';
import type { FxMetrics } from '../metrics';
import { feeView, markupView, PricingRepository, spreadView } from './pricing.repository';
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
    private readonly pricing: PricingRepository,
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
        if (e instanceof FxServiceError) {
          reply = this.error(message.requestId, message.type, {
            code: e.code,
            message: e.message,
            ...e.extra,
          });
        } else if (e instanceof MoneyError) {
          reply = this.error(message.requestId, message.type, { code: 'INVALID_AMOUNT', message: e.message });
        } else {
          this.log.error({ err: (e as Error).message, requestId: message.requestId }, 'FX request failed');
          reply = this.error(message.requestId, message.type, {
            code: 'INTERNAL',
            message: 'the FX service could not answer; try again',
          });
        }
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
        const { quote, rates } = await this.quotes.quote(request);
        return { type: 'quote', ok: true, quote, ...(rates.ageing ? { rates } : {}) };
      }
      case 'set-spread': {
        const row = await this.pricing.setSpread({
          sourceCurrency: request.sourceCurrency,
          targetCurrency: request.targetCurrency,
          spreadBps: request.spreadBps,
          validFrom: request.validFromMs === undefined ? undefined : new Date(request.validFromMs),
          createdBy: request.requestedBy,
          requestId: request.requestId,
        });
        this.log.info({ ...spreadView(row), requestId: request.requestId }, 'spread set');
        return { type: 'set-spread', ok: true, spread: spreadView(row) };
      }
      case 'set-markup': {
        const row = await this.pricing.setMarkup({
          participantId: request.participantId,
          markupBps: request.markupBps,
          validFrom: request.validFromMs === undefined ? undefined : new Date(request.validFromMs),
          createdBy: request.requestedBy,
          requestId: request.requestId,
        });
        this.log.info({ ...markupView(row), requestId: request.requestId }, 'markup set');
        return { type: 'set-markup', ok: true, markup: markupView(row) };
      }
      case 'set-fee': {
        const row = await this.pricing.setFee({
          sourceCurrency: request.sourceCurrency,
          targetCurrency: request.targetCurrency,
          ...parseFee(request),
          validFrom: request.validFromMs === undefined ? undefined : new Date(request.validFromMs),
          createdBy: request.requestedBy,
          requestId: request.requestId,
        });
        this.log.info({ ...feeView(row), requestId: request.requestId }, 'fee schedule set');
        return { type: 'set-fee', ok: true, fee: feeView(row) };
      }
      case 'get-pricing': {
        const at = new Date(this.now());
        const [spread, fee, markup] = await Promise.all([
          this.pricing.spread(request.sourceCurrency, request.targetCurrency, at),
          this.pricing.fee(request.sourceCurrency, request.targetCurrency, at),
          request.participantId ? this.pricing.markup(request.participantId, at) : Promise.resolve(null),
        ]);
        return {
          type: 'get-pricing',
          ok: true,
          spread: spread && spreadView(spread),
          fee: fee && feeView(fee),
          markup: markup && markupView(markup),
        };
      }
    }
  }

  private error(requestId: string, type: string, error: FxErrorReply['error']): FxErrorReply {
    return { v: 1, requestId, repliedAtMs: this.now(), type: type.slice(0, 40), ok: false, error };
  }
}

/** The amounts of a set-fee request in minor units of the source currency, with 0 <= min <= max. */
export function parseFee(
  request: Pick<FxSetFeeRequest, 'sourceCurrency' | 'fixed' | 'min' | 'max' | 'percentBps'>,
) {
  const ccy = request.sourceCurrency;
  const amount = (field: 'fixed' | 'min' | 'max', value: string) => {
    try {
      return parseAmount(value, ccy, { allowZero: true });
    } catch (e) {
      if (e instanceof MoneyError)
        throw new FxServiceError('INVALID_AMOUNT', `${field}: ${e.message}`, { field });
      throw e;
    }
  };
  const fixedMinor = amount('fixed', request.fixed);
  const minMinor = amount('min', request.min);
  const maxMinor = request.max === undefined || request.max === null ? null : amount('max', request.max);
  if (maxMinor !== null && maxMinor < minMinor) {
    throw new FxServiceError('INVALID_AMOUNT', 'max must not be below min', { field: 'max' });
  }
  return { fixedMinor, minMinor, maxMinor, percentBps: request.percentBps };
}
