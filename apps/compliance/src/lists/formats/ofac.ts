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
 * OFAC's Specially Designated Nationals list (sdn.xml, namespace http://tempuri.org/sdnList.xsd): sdnEntry
 * elements with firstName/lastName, sdnType, programList, akaList, addressList, nationalityList,
 * citizenshipList, dateOfBirthList and placeOfBirthList.
 */
const REPEATED = new Set([
  'sdnEntry',
  'program',
  'aka',
  'address',
  'nationality',
  'citizenship',
  'dateOfBirthItem',
  'placeOfBirthItem',
  'id',
]);

export function parseOfacList(xml: string): ListEntry[] {
  const root = parseListXml(xml, REPEATED).sdnList as XmlNode | undefined;
  if (!root || typeof root !== 'object') throw new ListFormatError('ofac: no sdnList element');
  return nonEmpty(children(root, 'sdnEntry').map(entryOf), 'ofac');
}

const fullName = (node: XmlNode) => defined([text(node, 'firstName'), text(node, 'lastName')]).join(' ');

function entryOf(node: XmlNode): ListEntry {
  const type = text(node, 'sdnType');
  const countries = [
    ...children(node.addressList, 'address').map((a) => text(a, 'country')),
    ...children(node.nationalityList, 'nationality').map((n) => text(n, 'country')),
    ...children(node.citizenshipList, 'citizenship').map((n) => text(n, 'country')),
  ];
  return checkedEntry(
    {
      id: `ofac:${text(node, 'uid') ?? ''}`,
      source: 'ofac',
      kind: type === 'Individual' ? 'person' : 'entity',
      names: [fullName(node), ...children(node.akaList, 'aka').map(fullName)],
      birthDates: defined(
        children(node.dateOfBirthList, 'dateOfBirthItem').map((d) => birthDate(text(d, 'dateOfBirth'))),
      ),
      countries: defined(countries.map(countryCode)),
      programs: texts(node.programList, 'program'),
    },
    'ofac',
  );
}
