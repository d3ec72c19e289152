import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { ListEntry } from '../../screening/list-entry';

/** A list file that is not what its format says: refused whole, the previous version stays in force. */
export class ListFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ListFormatError';
  }
}

/**
 * The XML of a list, parsed after a full well-formedness check (a truncated download is refused, not read
 * up to where it broke). Elements that repeat in the format are always arrays, whatever one file holds.
 */
export function parseListXml(text: string, repeated: ReadonlySet<string>): Record<string, unknown> {
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    throw new ListFormatError(`not well-formed XML: ${valid.err.msg} (line ${valid.err.line})`);
  }
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@',
    removeNSPrefix: true,
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: true,
    isArray: (name) => repeated.has(name),
  });
  return parser.parse(text) as Record<string, unknown>;
}

export type XmlNode = Record<string, unknown>;

/** The child elements `name` of a node, as an array (none: empty). */
export function children(node: unknown, name: string): XmlNode[] {
  const value = (node as XmlNode | undefined)?.[name];
  if (value === undefined || value === '' || value === null) return [];
  return (Array.isArray(value) ? value : [value]).filter((v): v is XmlNode => typeof v === 'object');
}

/** The texts of the repeated child elements `name` (`<VALUE>a</VALUE><VALUE>b</VALUE>`). */
export function texts(node: unknown, name: string): string[] {
  const value = (node as XmlNode | undefined)?.[name];
  if (value === undefined || value === null) return [];
  return defined((Array.isArray(value) ? value : [value]).map((v) => text({ v }, 'v')));
}

/** The text of a child element or attribute, trimmed, or undefined when absent or empty. */
export function text(node: unknown, name: string): string | undefined {
  const value = (node as XmlNode | undefined)?.[name];
  const raw = typeof value === 'object' && value !== null ? (value as XmlNode)['#text'] : value;
  if (raw === undefined || raw === null) return undefined;
  const s = String(raw).trim();
  return s === '' ? undefined : s;
}

/** An entry checked before it enters a version: an id and at least one name, or the whole file is refused. */
export function checkedEntry(entry: ListEntry, where: string): ListEntry {
  if (!/:.+/.test(entry.id)) throw new ListFormatError(`${where}: an entry without its id`);
  const names = [...new Set(entry.names.map((n) => n.replace(/\s+/g, ' ').trim()).filter((n) => n !== ''))];
  if (names.length === 0) throw new ListFormatError(`${where}: entry ${entry.id} has no name`);
  return {
    ...entry,
    names,
    birthDates: [...new Set(entry.birthDates)],
    countries: [...new Set(entry.countries)],
  };
}

/** A file with no entry at all would lift every designation: refused rather than trusted. */
export function nonEmpty(entries: ListEntry[], source: string): ListEntry[] {
  if (entries.length === 0) throw new ListFormatError(`${source}: the file holds no entry`);
  return entries;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** A date of birth as lists write it (`1957-03-10`, `10 Mar 1957`, `circa 1957`, `1957`), or undefined. */
export function birthDate(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const iso = /(\d{4})-(\d{2})(?:-(\d{2}))?/.exec(value);
  if (iso) return iso[3] ? `${iso[1]}-${iso[2]}-${iso[3]}` : `${iso[1]}-${iso[2]}`;
  const dmy = /(\d{1,2}) ([A-Za-z]{3})[a-z]* (\d{4})/.exec(value);
  if (dmy) {
    const month = MONTHS.indexOf(dmy[2].toLowerCase()) + 1;
    if (month > 0) return `${dmy[3]}-${String(month).padStart(2, '0')}-${dmy[1].padStart(2, '0')}`;
  }
  const year = /\b(1[89]\d\d|20\d\d)\b/.exec(value);
  return year ? year[1] : undefined;
}

export function defined<T>(values: (T | undefined)[]): T[] {
  return values.filter((v): v is T => v !== undefined);
}
