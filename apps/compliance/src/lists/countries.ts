/**
 * ISO 3166-1 alpha-2 codes from the country names lists use ("Iran (Islamic Republic of)", "Russia"),
 * through the English names that Intl.DisplayNames knows, plus the spellings lists commonly use instead.
 */
const ALIASES: Record<string, string> = {
  'iran islamic republic of': 'IR',
  iran: 'IR',
  russia: 'RU',
  'russian federation': 'RU',
  syria: 'SY',
  'syrian arab republic': 'SY',
  'korea democratic peoples republic of': 'KP',
  'north korea': 'KP',
  'democratic peoples republic of korea': 'KP',
  'korea north': 'KP',
  'korea republic of': 'KR',
  'south korea': 'KR',
  'venezuela bolivarian republic of': 'VE',
  'bolivia plurinational state of': 'BO',
  'tanzania united republic of': 'TZ',
  'lao peoples democratic republic': 'LA',
  'congo democratic republic of the': 'CD',
  'democratic republic of the congo': 'CD',
  'viet nam': 'VN',
  burma: 'MM',
  'united states': 'US',
  'united states of america': 'US',
  'united kingdom of great britain and northern ireland': 'GB',
  'united kingdom': 'GB',
  turkiye: 'TR',
  'state of palestine': 'PS',
  'west bank': 'PS',
};

const key = (name: string) =>
  name
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/['\u2019]/g, '')
    .replace(/[^a-z ]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();

let byName: Map<string, string> | null = null;

function names(): Map<string, string> {
  if (byName) return byName;
  byName = new Map(Object.entries(ALIASES));
  const display = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });
  for (let a = 65; a <= 90; a++) {
    for (let b = 65; b <= 90; b++) {
      const code = String.fromCharCode(a, b);
      const name = display.of(code);
      // Retired codes (SU, YD, YU...) display as today's country: Unicode maps them to its code.
      const current = Intl.getCanonicalLocales(`und-${code}`)[0].slice(4);
      if (name && !byName.has(key(name))) byName.set(key(name), current);
    }
  }
  return byName;
}

/** The ISO 3166-1 alpha-2 code of a country name or code, or undefined when it is not a country. */
export function countryCode(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^[A-Za-z]{2}$/.test(trimmed)) return trimmed.toUpperCase();
  return names().get(key(trimmed));
}
