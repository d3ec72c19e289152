import { readFile } from 'node:fs/promises';
import { z } from 'zod';

/** A reference rate as an exact ratio: `rateNum / rateDen` units of `quote` per unit of `base`. */
export interface Rate {
  base: string;
  quote: string;
  rateNum: bigint;
  rateDen: bigint;
  source: string;
  asOf: Date;
}

const fileSchema = z
  .object({
    source: z.string().min(1),
    asOf: z.string().datetime(),
    base: z.string().regex(/^[A-Z]{3}$/),
    rates: z.record(z.string().regex(/^[A-Z]{3}$/), z.string().regex(/^\d{1,12}(\.\d{1,12})?$/)),
  })
  .strict();

/** Turns a decimal string into an exact ratio, e.g. "7.7812" -> 77812 / 10000. */
export function decimalToRatio(value: string): { num: bigint; den: bigint } {
  const [whole, fraction = ''] = value.split('.');
  return { num: BigInt(whole + fraction), den: 10n ** BigInt(fraction.length) };
}

/** Rates from a JSON file in the repo: the default provider of the demo network. */
export async function readRatesFile(path: string): Promise<Rate[]> {
  const parsed = fileSchema.parse(JSON.parse(await readFile(path, 'utf8')));
  return Object.entries(parsed.rates).map(([quote, value]) => {
    const { num, den } = decimalToRatio(value);
    return {
      base: parsed.base,
      quote,
      rateNum: num,
      rateDen: den,
      source: parsed.source,
      asOf: new Date(parsed.asOf),
    };
  });
}
