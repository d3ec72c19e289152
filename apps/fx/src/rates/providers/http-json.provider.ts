import { z } from 'zod';
import { DAY_MS, Rate, RateProvider, RateProviderError } from '../rate';
import { decimalToRatio } from '../ratio';
import { fetchText } from './http';

/** Clock skew tolerated on a provider's asOf; a rate from further in the future is refused. */
const FUTURE_TOLERANCE_MS = 5 * 60 * 1000;

/**
 * The expected answer: `{ "base": "USD", "asOf": "2026-11-27T10:00:00Z", "rates": { "PHP": "58.615" } }`.
 * Rates must be decimal strings: a JSON number has been through floating point already. Unknown top-level
 * fields are ignored; the three known ones must be exactly right.
 */
const answerSchema = z.looseObject({
  base: z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code'),
  asOf: z.iso.datetime({ offset: true }),
  rates: z
    .record(
      z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code'),
      z
        .string({ error: 'a decimal string such as "58.615", not a JSON number' })
        .regex(/^\d{1,12}(\.\d{1,12})?$/, 'a decimal string such as "58.615"'),
    )
    .refine((rates) => Object.keys(rates).length > 0, 'at least one rate'),
});

export function parseHttpJsonRates(text: string, source: string, now: Date): Rate[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new RateProviderError('malformed', `${source}: the answer is not JSON (${(e as Error).message})`);
  }
  const parsed = answerSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new RateProviderError('malformed', `${source}: ${issues.join('; ')}`);
  }
  const { base, asOf, rates } = parsed.data;
  const asOfDate = new Date(asOf);
  if (asOfDate.getTime() > now.getTime() + FUTURE_TOLERANCE_MS) {
    throw new RateProviderError('malformed', `${source}: asOf ${asOf} is in the future`);
  }
  const out: Rate[] = [];
  for (const [quote, value] of Object.entries(rates)) {
    const r = decimalToRatio(value);
    if (quote === base) {
      if (r.num !== r.den) throw new RateProviderError('malformed', `${source}: ${base} to itself is not 1`);
      continue;
    }
    if (r.num === 0n) throw new RateProviderError('malformed', `${source}: rate of ${quote} is zero`);
    out.push({ base, quote, rateNum: r.num, rateDen: r.den, source, asOf: asOfDate });
  }
  return out;
}

/** Rates from any HTTP endpoint answering the JSON shape above. */
export class HttpJsonRateProvider implements RateProvider {
  readonly name = 'http';
  readonly defaultMaxAgeMs = DAY_MS;
  private readonly source: string;

  constructor(
    private readonly url: string,
    private readonly timeoutMs = 5000,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.source = `http:${new URL(url).host}`;
  }

  async fetch(): Promise<Rate[]> {
    const text = await fetchText(this.url, { timeoutMs: this.timeoutMs, accept: 'application/json' });
    return parseHttpJsonRates(text, this.source, this.now());
  }
}
