import { distance } from 'fastest-levenshtein';
import jaroWinkler from 'talisman/metrics/jaro-winkler';
import doubleMetaphone from 'talisman/phonetics/double-metaphone';
import type { ListEntry } from '../screening/list-entry';
import type { PartyFacts } from '../screening/name-index';
import { nameTokens } from '../screening/normalise';
import { GIVEN_NAMES, SURNAME_ENDINGS, SYLLABLES } from './name-pools';

/**
 * A synthetic sanctions list and a labelled set of queries for the screening benchmark: true matches of
 * listed names in the disguises real data wears (diacritics, another script, token order, missing or extra
 * middle names, initials, typos, punctuation), and common names that no listed name should match. Seeded,
 * so that every run measures the same set.
 */
export interface LabelledQuery {
  party: PartyFacts;
  /** The entry it must find, or null for a name that must match nothing. */
  expected: string | null;
  disguise: string;
}

/** mulberry32: a small seeded generator, so that the set is the same on every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const COUNTRIES = [
  'RU',
  'IR',
  'KP',
  'SY',
  'AF',
  'IQ',
  'VE',
  'CU',
  'MM',
  'LY',
  'SO',
  'YE',
  'SD',
  'BY',
  'CN',
  'PK',
];
const ENTITY_WORDS = ['Trading', 'Holdings', 'Shipping', 'Logistics', 'Petroleum', 'Finance', 'Industries'];
const REAL_SURNAMES = [
  'Smith',
  'Garcia',
  'Wang',
  'Kumar',
  'Silva',
  'Müller',
  'Ivanova',
  'Tanaka',
  'Okafor',
  'Haddad',
];

const pick = <T>(rnd: () => number, items: readonly T[]): T => items[Math.floor(rnd() * items.length)];

/** Surnames far enough apart (Levenshtein >= 3 in their bucket, one per phonetic code) to be distinct people. */
function surnames(rnd: () => number, count: number): string[] {
  const out: string[] = [];
  const codes = new Set<string>();
  const buckets = new Map<string, string[]>();
  while (out.length < count) {
    const parts = Array.from({ length: 2 + Math.floor(rnd() * 2) }, () => pick(rnd, SYLLABLES));
    const word = parts.join('') + pick(rnd, SURNAME_ENDINGS);
    const code = doubleMetaphone(word)[0];
    const bucket = buckets.get(word.slice(0, 2)) ?? [];
    if (word.length < 5 || codes.has(code) || bucket.some((w) => distance(w, word) < 3)) continue;
    codes.add(code);
    bucket.push(word);
    buckets.set(word.slice(0, 2), bucket);
    out.push(word[0].toUpperCase() + word.slice(1));
  }
  return out;
}

function birthDate(rnd: () => number): string {
  const y = 1940 + Math.floor(rnd() * 60);
  const m = 1 + Math.floor(rnd() * 12);
  const d = 1 + Math.floor(rnd() * 28);
  return `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** A list of `size` entries: people of one to three given names and a surname, and companies. */
export function syntheticList(size: number, seed = 7): ListEntry[] {
  const rnd = seededRandom(seed);
  const family = surnames(rnd, Math.ceil(size / 3));
  return Array.from({ length: size }, (_, i): ListEntry => {
    const surname = pick(rnd, family);
    if (rnd() < 0.12) {
      return {
        id: `syn:${i}`,
        source: 'opensanctions',
        kind: 'entity',
        programs: ['SYN'],
        birthDates: [],
        names: [`${surname} ${pick(rnd, family)} ${pick(rnd, ENTITY_WORDS)}`],
        countries: [pick(rnd, COUNTRIES)],
      };
    }
    const given = [pick(rnd, GIVEN_NAMES), ...(rnd() < 0.35 ? [pick(rnd, GIVEN_NAMES)] : [])];
    const name = [...given, surname].join(' ');
    const alias = rnd() < 0.25 ? [`${given[0]} ${surname}${pick(rnd, ['a', 'i', 'o'])}`] : [];
    return {
      id: `syn:${i}`,
      source: 'opensanctions',
      kind: 'person',
      programs: ['SYN'],
      names: [name, ...alias],
      birthDates: rnd() < 0.8 ? [birthDate(rnd)] : [],
      countries: rnd() < 0.9 ? [pick(rnd, COUNTRIES)] : [],
    };
  });
}

const ACCENTS: Record<string, string> = { a: 'á', e: 'é', i: 'í', o: 'ö', u: 'ü', c: 'ç', n: 'ñ', s: 'š' };
const CYRILLIC: Record<string, string> = {
  a: 'а',
  b: 'б',
  v: 'в',
  g: 'г',
  d: 'д',
  e: 'е',
  z: 'з',
  i: 'и',
  k: 'к',
  l: 'л',
  m: 'м',
  n: 'н',
  o: 'о',
  p: 'п',
  r: 'р',
  s: 'с',
  t: 'т',
  u: 'у',
  f: 'ф',
  h: 'х',
  c: 'ц',
  y: 'ы',
  j: 'й',
  w: 'в',
  x: 'кс',
  q: 'к',
};

function typo(rnd: () => number, word: string): string {
  const i = 1 + Math.floor(rnd() * (word.length - 2));
  const kind = Math.floor(rnd() * 4);
  if (kind === 0) return word.slice(0, i) + word[i + 1] + word[i] + word.slice(i + 2);
  if (kind === 1) return word.slice(0, i) + word.slice(i + 1);
  if (kind === 2) return word.slice(0, i) + word[i] + word.slice(i);
  return word.slice(0, i) + pick(rnd, [...'aeiourn']) + word.slice(i + 1);
}

type Disguise = (rnd: () => number, tokens: string[]) => string;

/** The disguises of a listed name, by name. */
export const DISGUISES: Record<string, Disguise> = {
  diacritics: (rnd, t) => t.map((w) => w.replace(/[aeioucns]/, (c) => ACCENTS[c] ?? c)).join(' '),
  cyrillic: (rnd, t) => t.map((w) => [...w.toLowerCase()].map((c) => CYRILLIC[c] ?? c).join('')).join(' '),
  reordered: (rnd, t) => [t[t.length - 1], ...t.slice(0, -1)].join(', '),
  'middle name dropped or added': (rnd, t) =>
    (t.length >= 3 ? [t[0], ...t.slice(2)] : [t[0], pick(rnd, GIVEN_NAMES), ...t.slice(1)]).join(' '),
  initial: (rnd, t) => (t.length >= 2 ? [`${t[0][0]}.`, ...t.slice(1)] : t).join(' '),
  typo: (rnd, t) => {
    const i = t.findIndex((w) => w.length >= 5);
    return t.map((w, j) => (j === i ? typo(rnd, w) : w)).join(' ');
  },
  'case and punctuation': (rnd, t) => `Dr. ${t.join('-').toUpperCase()}`,
};

/** Whether a listed name has a token like each of two tokens: the truth for a common name. */
function coOccurrence(list: readonly ListEntry[]): (a: string, b: string) => boolean {
  const byToken = new Map<string, Set<string>>();
  for (const entry of list) {
    for (const name of entry.names) {
      const tokens = nameTokens(name);
      for (const t of tokens) {
        const others = byToken.get(doubleMetaphone(t)[0]) ?? new Set<string>();
        for (const u of tokens) if (u !== t) others.add(u);
        byToken.set(doubleMetaphone(t)[0], others);
      }
    }
  }
  const alike = (x: string, y: string) =>
    jaroWinkler(x, y) >= 0.8 || doubleMetaphone(x)[0] === doubleMetaphone(y)[0];
  return (a, b) => [...(byToken.get(doubleMetaphone(a)[0]) ?? [])].some((u) => alike(u, b));
}

/** `matches` disguised listed people and `commons` common names that match nobody on the list. */
export function labelledQueries(
  list: readonly ListEntry[],
  matches: number,
  commons: number,
  seed = 11,
): LabelledQuery[] {
  const rnd = seededRandom(seed);
  const people = list.filter((e) => e.kind === 'person');
  const names = Object.keys(DISGUISES);
  const out: LabelledQuery[] = [];
  for (let i = 0; i < matches; i++) {
    const entry = pick(rnd, people);
    const disguise = names[i % names.length];
    const name = DISGUISES[disguise](rnd, entry.names[0].split(' '));
    const facts = {
      ...(rnd() < 0.5 && entry.birthDates[0] ? { birthDate: entry.birthDates[0] } : {}),
      ...(rnd() < 0.5 && entry.countries[0] ? { country: entry.countries[0] } : {}),
    };
    out.push({ party: { name, ...facts }, expected: entry.id, disguise });
  }
  const together = coOccurrence(list);
  const family = [...new Set(people.map((e) => e.names[0].split(' ').at(-1)!))];
  while (out.length < matches + commons) {
    const given = pick(rnd, GIVEN_NAMES);
    const surname = rnd() < 0.3 ? pick(rnd, REAL_SURNAMES) : pick(rnd, family);
    const [g, s] = [nameTokens(given)[0], nameTokens(surname)[0]];
    if (together(s, g) || together(g, s)) continue;
    out.push({
      party: { name: `${given} ${surname}`, country: pick(rnd, COUNTRIES) },
      expected: null,
      disguise: 'common name',
    });
  }
  return out;
}
