import type { ListEntry } from '../../screening/list-entry';
import { countryCode } from '../countries';
import {
  birthDate,
  checkedEntry,
  children,
  defined,
  ListFormatError,
  nonEmpty,
  parseListXml,
  text,
  texts,
  XmlNode,
} from './list-format';

/**
 * The UN Security Council consolidated list (consolidated.xml, scsanctions.un.org): INDIVIDUALS and
 * ENTITIES under CONSOLIDATED_LIST, names in FIRST_NAME..FOURTH_NAME, aliases in *_ALIAS/ALIAS_NAME, the
 * name in its original script in NAME_ORIGINAL_SCRIPT.
 */
const REPEATED = new Set([
  'INDIVIDUAL',
  'ENTITY',
  'INDIVIDUAL_ALIAS',
  'ENTITY_ALIAS',
  'INDIVIDUAL_ADDRESS',
  'ENTITY_ADDRESS',
  'INDIVIDUAL_DATE_OF_BIRTH',
  'INDIVIDUAL_PLACE_OF_BIRTH',
  'VALUE',
  'INDIVIDUAL_DOCUMENT',
]);

export function parseUnList(xml: string): ListEntry[] {
  const root = parseListXml(xml, REPEATED).CONSOLIDATED_LIST as XmlNode | undefined;
  if (!root || typeof root !== 'object') throw new ListFormatError('un: no CONSOLIDATED_LIST element');
  const people = children(root.INDIVIDUALS, 'INDIVIDUAL').map((n) => entryOf(n, 'person'));
  const entities = children(root.ENTITIES, 'ENTITY').map((n) => entryOf(n, 'entity'));
  return nonEmpty([...people, ...entities], 'un');
}

function entryOf(node: XmlNode, kind: ListEntry['kind']): ListEntry {
  const prefix = kind === 'person' ? 'INDIVIDUAL' : 'ENTITY';
  const primary = ['FIRST_NAME', 'SECOND_NAME', 'THIRD_NAME', 'FOURTH_NAME'].map((f) => text(node, f));
  const aliases = children(node, `${prefix}_ALIAS`).map((a) => text(a, 'ALIAS_NAME'));
  const countries = [
    ...texts(node.NATIONALITY, 'VALUE'),
    ...children(node, `${prefix}_ADDRESS`).map((a) => text(a, 'COUNTRY')),
    ...children(node, 'INDIVIDUAL_PLACE_OF_BIRTH').map((p) => text(p, 'COUNTRY')),
  ];
  const dates = children(node, 'INDIVIDUAL_DATE_OF_BIRTH').map((d) =>
    birthDate(text(d, 'DATE') ?? text(d, 'YEAR')),
  );
  return checkedEntry(
    {
      id: `un:${text(node, 'DATAID') ?? ''}`,
      source: 'un',
      kind,
      names: defined([defined(primary).join(' '), ...aliases, text(node, 'NAME_ORIGINAL_SCRIPT')]),
      birthDates: defined(dates),
      countries: defined(countries.map(countryCode)),
      programs: defined([text(node, 'UN_LIST_TYPE'), text(node, 'REFERENCE_NUMBER')]),
    },
    'un',
  );
}
