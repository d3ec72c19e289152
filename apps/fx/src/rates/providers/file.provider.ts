import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { DAY_MS, Rate, RateProvider, RateProviderError } from '../rate';
import { decimalToRatio } from '../ratio';

const fileSchema = z
  .object({
    source: z.string().min(1).max(100),
    /**
     * When the rates were observed. A sheet without it is the operator's current rate sheet: its rates
     * count as observed when loaded, so they go stale only when the file stops loading.
     */
    asOf: z.iso.datetime({ offset: true }).optional(),
    base: z.string().regex(/^[A-Z]{3}$/),
    rates: z.record(z.string().regex(/^[A-Z]{3}$/), z.string().regex(/^\d{1,12}(\.\d{1,12})?$/)),
  })
  .strict();

/** Rates from a JSON file (`{source, asOf?, base, rates: {CCY: "decimal"}}`): the demo network's default. */
export class FileRateProvider implements RateProvider {
  readonly name = 'file';
  readonly defaultMaxAgeMs = DAY_MS;

  constructor(
    private readonly path: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async fetch(): Promise<Rate[]> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (e) {
      throw new RateProviderError('unavailable', `cannot read ${this.path}: ${(e as Error).message}`);
    }
    return parseRatesFile(text, this.now());
  }
}

/** Parses a rates file; `loadedAt` stands in for a missing asOf. */
export function parseRatesFile(text: string, loadedAt: Date): Rate[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new RateProviderError('malformed', `rates file is not JSON: ${(e as Error).message}`);
  }
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) {
    throw new RateProviderError(
      'malformed',
      `rates file: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
    );
  }
  const file = parsed.data;
  const asOf = file.asOf ? new Date(file.asOf) : loadedAt;
  return Object.entries(file.rates)
    .filter(([quote]) => quote !== file.base)
    .map(([quote, value]) => {
      const r = decimalToRatio(value);
      if (r.num === 0n) throw new RateProviderError('malformed', `rates file: rate of ${quote} is zero`);
      return { base: file.base, quote, rateNum: r.num, rateDen: r.den, source: file.source, asOf };
    });
}
