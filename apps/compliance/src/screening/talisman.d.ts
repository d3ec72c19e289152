// talisman ships no type declarations; these are the two functions the matcher uses.
declare module 'talisman/metrics/jaro-winkler' {
  /** Jaro-Winkler similarity in 0..1 (1: equal). */
  export default function jaroWinkler(a: string, b: string): number;
}

declare module 'talisman/phonetics/double-metaphone' {
  /** The primary and alternate Double Metaphone codes of a word. */
  export default function doubleMetaphone(word: string): [string, string];
}
