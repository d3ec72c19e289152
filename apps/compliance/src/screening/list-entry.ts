/** The sanctions list formats the service reads. */
export type ListSource = 'un' | 'ofac' | 'eu' | 'opensanctions';

export const LIST_SOURCES: readonly ListSource[] = ['un', 'ofac', 'eu', 'opensanctions'];

/** One designated person or entity of a list, whatever its format, as the matcher sees it. */
export interface ListEntry {
  /** `<source>:<the list's own id>`, stable across versions of the list. */
  id: string;
  source: ListSource;
  kind: 'person' | 'entity';
  /** The primary name first, then every alias (original scripts included). */
  names: string[];
  /** `YYYY-MM-DD`, `YYYY-MM` or `YYYY`. */
  birthDates: string[];
  /** ISO 3166-1 alpha-2, upper case: nationality, citizenship, address and birth countries. */
  countries: string[];
  /** Programmes or regimes (SDGT, QDi, ...). */
  programs: string[];
}
