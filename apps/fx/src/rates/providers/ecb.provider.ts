import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { DAY_MS, Rate, RateProvider, RateProviderError } from '../rate';
import { decimalToRatio } from '../ratio';
import { fetchText } from './http';

export const ECB_DAILY_URL = 'https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml';

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  // Rates stay strings: a parsed number would already have lost the exact decimal.
  parseAttributeValue: false,
  parseTagValue: false,
  // No entity expansion: the document has none, and expanding them is how XML bombs work.
  processEntities: false,
  ignoreDeclaration: true,
  removeNSPrefix: true,
  isArray: (name: string, _path: unknown, _leaf: boolean, isAttribute: boolean) =>
    name === 'Cube' && !isAttribute,
});

type Node = Record<string, unknown>;
const cubes = (node: unknown): Node[] =>
  node && typeof node === 'object' && Array.isArray((node as Node).Cube)
    ? ((node as Node).Cube as Node[])
    : [];

function malformed(message: string): RateProviderError {
  return new RateProviderError('malformed', `ECB reference rates: ${message}`);
}

/**
 * Parses the ECB's euro foreign exchange reference rates (eurofxref-daily.xml: gesmes:Envelope / Cube /
 * Cube time="YYYY-MM-DD" / Cube currency="USD" rate="1.0560"): EUR-based rates of the most recent day,
 * as of that reference date (00:00 UTC). Anything that is not that shape is refused, never half-read.
 */
export function parseEcbXml(xml: string): Rate[] {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw malformed(`not well-formed XML (${valid.err.msg}, line ${valid.err.line})`);
  const doc = parser.parse(xml) as Node;
  const envelope = doc.Envelope;
  if (!envelope || typeof envelope !== 'object') throw malformed('no gesmes:Envelope');
  const outer = cubes(envelope);
  if (outer.length !== 1) throw malformed(`expected one outer Cube, found ${outer.length}`);
  const days = cubes(outer[0]).filter((d) => typeof d['@_time'] === 'string');
  if (days.length === 0) throw malformed('no Cube with a time');
  const times = days.map((d) => d['@_time'] as string);
  for (const time of times) {
    const date = /^\d{4}-\d{2}-\d{2}$/.test(time) ? new Date(`${time}T00:00:00Z`) : null;
    if (!date || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== time) {
      throw malformed(`"${time.slice(0, 20)}" is not a date`);
    }
  }
  const latest = [...times].sort().at(-1)!;
  const day = days[times.indexOf(latest)];
  const asOf = new Date(`${latest}T00:00:00Z`);
  const seen = new Set<string>();
  const rates = cubes(day).map((cube): Rate => {
    const currency = cube['@_currency'];
    const rate = cube['@_rate'];
    if (typeof currency !== 'string' || !/^[A-Z]{3}$/.test(currency)) {
      throw malformed(`currency ${JSON.stringify(currency)?.slice(0, 20)} is not an ISO 4217 code`);
    }
    if (typeof rate !== 'string' || !/^\d{1,12}(\.\d{1,12})?$/.test(rate)) {
      throw malformed(`rate of ${currency} is not a plain decimal`);
    }
    if (seen.has(currency) || currency === 'EUR') throw malformed(`unexpected rate for ${currency}`);
    seen.add(currency);
    const r = decimalToRatio(rate);
    if (r.num === 0n) throw malformed(`rate of ${currency} is zero`);
    return { base: 'EUR', quote: currency, rateNum: r.num, rateDen: r.den, source: 'ecb', asOf };
  });
  if (rates.length === 0) throw malformed(`no rates for ${latest}`);
  return rates;
}

/** The ECB's daily reference rates over HTTP. Published once per TARGET business day, hence 4 days. */
export class EcbRateProvider implements RateProvider {
  readonly name = 'ecb';
  readonly defaultMaxAgeMs = 4 * DAY_MS;

  constructor(
    private readonly url: string = ECB_DAILY_URL,
    private readonly timeoutMs = 5000,
  ) {}

  async fetch(): Promise<Rate[]> {
    return parseEcbXml(
      await fetchText(this.url, { timeoutMs: this.timeoutMs, accept: 'application/xml, text/xml' }),
    );
  }
}
