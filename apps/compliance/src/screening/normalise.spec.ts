import fc from 'fast-check';
import { asciiForm, nameTokens, normaliseName } from './normalise';

describe('name normalisation', () => {
  it('strips diacritics, transliterates other scripts and drops punctuation and titles', () => {
    expect(nameTokens("Dr. José-María  O'Neill")).toEqual(['jose', 'maria', 'oneill']);
    expect(normaliseName('Müller, Jürgen')).toBe('muller jurgen');
    expect(normaliseName('Владимир Иванов')).toBe('vladimir ivanov');
    expect(normaliseName('ＪＯＨＮ　ＳＭＩＴＨ')).toBe('john smith');
    expect(asciiForm('Ελένη')).toBe('eleni');
  });

  it('gives ASCII letters and digits only, single spaces, whatever the input', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (name) => {
        expect(normaliseName(name)).toMatch(/^([a-z0-9]+( [a-z0-9]+)*)?$/);
      }),
    );
  });

  it('is idempotent: a normalised name normalises to itself', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (name) => {
        const once = normaliseName(name);
        expect(normaliseName(once)).toBe(once);
      }),
    );
  });

  it('ignores case, Unicode composition, accents and the punctuation between tokens', () => {
    // Tokens that are names, not titles (a title such as "mr" is dropped by design).
    const token = fc.stringMatching(/^[a-z]{2,8}$/).filter((t) => normaliseName(t) === t);
    const latinName = fc.array(token, { minLength: 1, maxLength: 4 });
    fc.assert(
      fc.property(latinName, fc.constantFrom(' ', ', ', '-', '  ', '.'), (tokens, separator) => {
        const plain = tokens.join(' ');
        const accented = tokens.map((t) => t.replace(/e/g, 'é').replace(/u/g, 'ü')).join(separator);
        expect(normaliseName(accented.toUpperCase())).toBe(plain);
        expect(normaliseName(accented.normalize('NFD'))).toBe(plain);
      }),
    );
  });
});
