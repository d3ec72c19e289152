import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { FieldSealer } from './field-sealer';

const key = () => randomBytes(32).toString('hex');

describe('field sealer', () => {
  const k1 = { id: 'k1', keyHex: key() };
  const k2 = { id: 'k2', keyHex: key() };

  it('opens what it sealed, field by field, and nothing else', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        const sealer = new FieldSealer([k1]);
        const sealed = sealer.seal('t1', 'originator.name', text);
        expect(sealed).not.toContain(text.length > 3 ? text : '\u0000');
        expect(sealer.open('t1', 'originator.name', sealed)).toBe(text);
      }),
    );
  });

  it('refuses a value moved to another record or field, or altered', () => {
    const sealer = new FieldSealer([k1]);
    const sealed = sealer.seal('t1', 'originator.name', 'Ana Reyes');
    expect(() => sealer.open('t2', 'originator.name', sealed)).toThrow();
    expect(() => sealer.open('t1', 'beneficiary.name', sealed)).toThrow();
    const parts = sealed.split('.');
    parts[2] = Buffer.from('Ana Reyez').toString('base64url');
    expect(() => sealer.open('t1', 'originator.name', parts.join('.'))).toThrow();
  });

  it('rotates: the new key seals, the old one still opens, the blind index stays', () => {
    const before = new FieldSealer([k1]);
    const after = new FieldSealer([k2, k1]);
    const old = before.seal('t1', 'x', 'secret');
    expect(after.open('t1', 'x', old)).toBe('secret');
    expect(after.isStale(old)).toBe(true);
    expect(after.seal('t1', 'x', 'secret').startsWith('k2.')).toBe(true);
    expect(after.blindIndex('ana reyes')).toBe(before.blindIndex('ana reyes'));
  });

  it('seals a nested record leaf by leaf', () => {
    const sealer = new FieldSealer([k1]);
    const party = { name: 'Ana Reyes', address: { town: 'Cebu', country: 'PH' } };
    const sealed = sealer.sealObject('t1', party);
    expect(Object.keys(sealed.address)).toEqual(['town', 'country']);
    expect(sealer.openObject('t1', sealed)).toEqual(party);
  });
});
