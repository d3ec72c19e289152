import type { ListEntry } from '../../screening/list-entry';
import { countryCode } from '../countries';
import { birthDate, checkedEntry, defined, ListFormatError, nonEmpty } from './list-format';

/**
 * OpenSanctions' FollowTheMoney entities (entities.ftm.json): one JSON object per line with id, schema
 * and properties whose values are all arrays (name, alias, weakAlias, previousName, birthDate,
 * nationality, citizenship, country, topics, program). Persons and organisations are screened; the other
 * schemata (Address, Sanction, Identification...) describe them and are skipped.
 */
const SCREENED = new Set(['Person', 'Company', 'Organization', 'LegalEntity', 'PublicBody']);

interface FtmEntity {
  id?: unknown;
  schema?: unknown;
  properties?: Record<string, unknown>;
  datasets?: unknown;
}

export function parseOpenSanctions(text: string): ListEntry[] {
  const lines = text.trim().startsWith('[')
    ? parseArray(text)
    : text.split('\n').filter((l) => l.trim() !== '');
  const entries: ListEntry[] = [];
  lines.forEach((line, i) => {
    const entity = typeof line === 'string' ? parseLine(line, i + 1) : (line as FtmEntity);
    if (typeof entity !== 'object' || entity === null || typeof entity.schema !== 'string') {
      throw new ListFormatError(`opensanctions: entity ${i + 1} has no schema`);
    }
    if (SCREENED.has(entity.schema)) entries.push(entryOf(entity, i + 1));
  });
  return nonEmpty(entries, 'opensanctions');
}

function parseArray(text: string): unknown[] {
  try {
    const value: unknown = JSON.parse(text);
    if (Array.isArray(value)) return value;
  } catch (e) {
    throw new ListFormatError(`opensanctions: not JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  throw new ListFormatError('opensanctions: not an array of entities');
}

function parseLine(line: string, n: number): FtmEntity {
  try {
    return JSON.parse(line) as FtmEntity;
  } catch (e) {
    throw new ListFormatError(
      `opensanctions: line ${n} is not JSON: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
}

function values(entity: FtmEntity, property: string, n: number): string[] {
  const value = entity.properties?.[property];
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    throw new ListFormatError(`opensanctions: entity ${n} property ${property} is not an array of strings`);
  }
  return value as string[];
}

function entryOf(entity: FtmEntity, n: number): ListEntry {
  const v = (p: string) => values(entity, p, n);
  const countries = [...v('nationality'), ...v('citizenship'), ...v('country'), ...v('jurisdiction')];
  return checkedEntry(
    {
      id: `opensanctions:${typeof entity.id === 'string' ? entity.id : ''}`,
      source: 'opensanctions',
      kind: entity.schema === 'Person' ? 'person' : 'entity',
      names: [...v('name'), ...v('alias'), ...v('previousName')],
      birthDates: defined(v('birthDate').map(birthDate)),
      countries: defined(countries.map(countryCode)),
      programs: [...v('program'), ...v('topics')],
    },
    'opensanctions',
  );
}
