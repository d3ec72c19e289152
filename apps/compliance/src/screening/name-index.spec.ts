import type { ListEntry } from './list-entry';
import { NameIndex } from './name-index';

const entry = (id: string, names: string[], extra: Partial<ListEntry> = {}): ListEntry => ({
  id,
  source: 'un',
  kind: 'person',
  names,
  birthDates: [],
  countries: [],
  programs: ['TEST'],
  ...extra,
});

const index = new NameIndex([
  entry('un:1', ['Viktor Petrovich Orlanko', 'Виктор Петрович Орланко'], {
    birthDates: ['1961-04-12'],
    countries: ['RU'],
  }),
  entry('un:2', ['Abdel Karim Farouqi'], { birthDates: ['1970'], countries: ['SY'] }),
  entry('un:3', ['Meridian Star Shipping'], { kind: 'entity' }),
  entry('un:4', ['Farouqi']),
]);

const ids = (name: string, facts: { birthDate?: string; country?: string } = {}) =>
  index.screen({ name, ...facts }, 0.88).map((h) => h.entryId);

describe('name index', () => {
  it('finds a listed name through diacritics, scripts, order, middle names, initials and typos', () => {
    expect(ids('Viktor Petrovich Orlanko')).toEqual(['un:1']);
    expect(ids('ORLANKO, Víktor')).toEqual(['un:1']);
    expect(ids('Виктор Орланко')).toEqual(['un:1']);
    expect(ids('V. Orlanko')).toEqual(['un:1']);
    expect(ids('Viktor Orlnako')).toEqual(['un:1']);
    expect(ids('Victor Orlanco')).toEqual(['un:1']);
    expect(ids('Abdel Karim Mahmoud Farouqi')).toContain('un:2');
    expect(ids('meridian star shipping')).toEqual(['un:3']);
  });

  it('does not match a name sharing one token, nor a one-word alias inside a longer name', () => {
    expect(ids('Viktor Smith')).toEqual([]);
    expect(ids('Layla Farouqi')).toEqual([]);
    expect(ids('Meridian Trading')).toEqual([]);
  });

  it('explains each hit: the paired tokens, how they matched, and the evidence', () => {
    const [hit] = index.screen({ name: 'Victor Orlanko', birthDate: '1961-04-12', country: 'RU' }, 0.88);
    expect(hit.entryId).toBe('un:1');
    expect(hit.explanation.pairs).toEqual(
      expect.arrayContaining([
        { query: 'orlanko', listed: 'orlanko', similarity: 1, how: 'exact' },
        expect.objectContaining({ query: 'victor', listed: 'viktor' }),
      ]),
    );
    expect(hit.explanation.unmatchedListed).toEqual(['petrovich']);
    expect(hit.explanation.birthDate).toBe('date of birth 1961-04-12 matches');
    expect(hit.explanation.country).toBe('country RU is listed');
    expect(hit.score).toBeGreaterThan(hit.explanation.nameScore);
  });

  it('lets a different date of birth count against a match', () => {
    const same = index.screen({ name: 'Viktor Orlanko', birthDate: '1961-04-12' }, 0.5)[0];
    const other = index.screen({ name: 'Viktor Orlanko', birthDate: '1990-01-01' }, 0.5)[0];
    expect(other.score).toBeLessThan(same.score - 0.15);
    expect(other.explanation.birthDate).toMatch(/differs/);
  });
});
