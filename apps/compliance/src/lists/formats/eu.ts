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
  XmlNode,
} from './list-format';

/**
 * The EU consolidated financial sanctions list (xmlFullSanctionsList_1_1, namespace
 * http://eu.europa.ec/fpi/fsd/export): sanctionEntity elements whose data are attributes: subjectType
 * @code (person, enterprise), nameAlias @wholeName, citizenship and address @countryIso2Code, birthdate
 * @birthdate or @year, regulation @programme.
 */
const REPEATED = new Set([
  'sanctionEntity',
  'nameAlias',
  'citizenship',
  'address',
  'birthdate',
  'regulation',
  'identification',
]);

export function parseEuList(xml: string): ListEntry[] {
  const root = parseListXml(xml, REPEATED).export as XmlNode | undefined;
  if (!root || typeof root !== 'object') throw new ListFormatError('eu: no export element');
  return nonEmpty(children(root, 'sanctionEntity').map(entryOf), 'eu');
}

function entryOf(node: XmlNode): ListEntry {
  const subject = children(node, 'subjectType')[0];
  const names = children(node, 'nameAlias').map(
    (a) =>
      text(a, '@wholeName') ??
      defined([text(a, '@firstName'), text(a, '@middleName'), text(a, '@lastName')]).join(' '),
  );
  const countries = [
    ...children(node, 'citizenship').map(
      (c) => text(c, '@countryIso2Code') ?? text(c, '@countryDescription'),
    ),
    ...children(node, 'address').map((c) => text(c, '@countryIso2Code') ?? text(c, '@countryDescription')),
    ...children(node, 'birthdate').map((c) => text(c, '@countryIso2Code')),
  ];
  return checkedEntry(
    {
      id: `eu:${text(node, '@logicalId') ?? ''}`,
      source: 'eu',
      kind: text(subject, '@code') === 'person' ? 'person' : 'entity',
      names,
      birthDates: defined(
        children(node, 'birthdate').map((b) => birthDate(text(b, '@birthdate') ?? text(b, '@year'))),
      ),
      countries: defined(countries.filter((c) => c !== '00').map(countryCode)),
      programs: defined([
        ...children(node, 'regulation').map((r) => text(r, '@programme')),
        text(node, '@euReferenceNumber'),
      ]),
    },
    'eu',
  );
}
