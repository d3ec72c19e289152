import { transliterate } from 'transliteration';

/**
 * Name normalisation before matching: Unicode NFKC (full-width and compatibility forms), transliteration
 * of every non-Latin script to ASCII (the `transliteration` library: Cyrillic, Arabic, Greek, CJK...),
 * which also strips diacritics, lower case, punctuation out, and titles dropped. Particles (al, bin, van...)
 * stay as tokens but weigh little, because they carry little of a name's identity.
 */

/** Honorifics and titles: not part of who someone is. */
const TITLES = new Set([
  'mr',
  'mrs',
  'ms',
  'miss',
  'dr',
  'prof',
  'sir',
  'sheikh',
  'shaikh',
  'shaykh',
  'haji',
  'hajji',
  'mullah',
  'general',
  'gen',
  'col',
  'colonel',
  'maulana',
  'imam',
]);

/** Name particles: kept, matched, but neither a blocking key nor much weight in the score. */
const PARTICLES = new Set([
  'al',
  'el',
  'ul',
  'bin',
  'ibn',
  'bint',
  'ben',
  'abu',
  'abd',
  'de',
  'del',
  'della',
  'la',
  'le',
  'van',
  'der',
  'den',
  'von',
  'da',
  'das',
  'dos',
  'di',
  'du',
  'mac',
  'st',
]);

export function isParticle(token: string): boolean {
  return PARTICLES.has(token);
}

/** An initial: one letter, as in "J. Smith". */
export function isInitial(token: string): boolean {
  return token.length === 1 && !PARTICLES.has(token);
}

const ASCII = /^[\x20-\x7e]*$/;

/** The ASCII form of a name: NFKC, then transliterated (diacritics go too), lower case. */
export function asciiForm(name: string): string {
  const nfkc = name.normalize('NFKC');
  return (ASCII.test(nfkc) ? nfkc : transliterate(nfkc, { unknown: ' ' })).toLowerCase();
}

/** The tokens of a name, normalised: "Dr. José-María  O'Neill" -> ["jose", "maria", "oneill"]. */
export function nameTokens(name: string): string[] {
  const cleaned = asciiForm(name)
    .replace(/['`\u2019]/g, '')
    .replace(/[^a-z0-9]+/g, ' ');
  return cleaned.split(' ').filter((t) => t !== '' && !TITLES.has(t));
}

/** The normalised name as one string, tokens joined by single spaces. */
export function normaliseName(name: string): string {
  return nameTokens(name).join(' ');
}
