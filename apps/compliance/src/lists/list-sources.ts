import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ListEntry, ListSource } from '../screening/list-entry';
import { LIST_SOURCES } from '../screening/list-entry';
import { parseEuList } from './formats/eu';
import { ListFormatError } from './formats/list-format';
import { parseOfacList } from './formats/ofac';
import { parseOpenSanctions } from './formats/opensanctions';
import { parseUnList } from './formats/un';

/** Where one list is fetched from: a file path or an https URL. */
export interface ListLocation {
  source: ListSource;
  location: string;
}

export const PARSERS: Record<ListSource, (text: string) => ListEntry[]> = {
  un: parseUnList,
  ofac: parseOfacList,
  eu: parseEuList,
  opensanctions: parseOpenSanctions,
};

/** The sample lists beside the sources (tsx), or in the repository that a build in dist/ runs from. */
const SAMPLES = [
  join(__dirname, '../../lists/samples'),
  join(__dirname, '../../../../../apps/compliance/lists/samples'),
].find((dir) => existsSync(dir))!;
const SAMPLE_FILES: Record<ListSource, string> = {
  un: 'un-consolidated.xml',
  ofac: 'ofac-sdn.xml',
  eu: 'eu-consolidated.xml',
  opensanctions: 'opensanctions.ftm.json',
};

/** COMPLIANCE_LISTS (`un=/path;ofac=https://...`), or the sample lists when it is empty. */
export function listLocations(setting: string): ListLocation[] {
  if (setting.trim() === '') {
    return LIST_SOURCES.map((source) => ({ source, location: join(SAMPLES, SAMPLE_FILES[source]) }));
  }
  return setting
    .split(';')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((entry) => {
      const eq = entry.indexOf('=');
      const source = entry.slice(0, eq) as ListSource;
      if (eq < 0 || !LIST_SOURCES.includes(source)) {
        throw new Error(`COMPLIANCE_LISTS: "${entry}" must be <${LIST_SOURCES.join('|')}>=<path or URL>`);
      }
      return { source, location: entry.slice(eq + 1).trim() };
    });
}

/** The text of a list, from its file or URL. A failed download is a refused version, like a bad file. */
export async function fetchList(location: string, timeoutMs = 60_000): Promise<string> {
  if (!/^https?:\/\//.test(location)) return readFile(location, 'utf8');
  const response = await fetch(location, { signal: AbortSignal.timeout(timeoutMs) });
  if (!response.ok) throw new ListFormatError(`${location}: HTTP ${response.status}`);
  return response.text();
}
