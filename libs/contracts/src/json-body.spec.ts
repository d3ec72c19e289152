import fc from 'fast-check';
import { parseJsonBody, repeatedKey } from './json-body';

describe('parseJsonBody', () => {
  it('parses JSON without repeated keys, and names what is wrong otherwise', () => {
    expect(parseJsonBody('{"a":1,"b":{"a":2},"c":[{"a":3},{"a":4}]}')).toEqual({
      ok: true,
      value: { a: 1, b: { a: 2 }, c: [{ a: 3 }, { a: 4 }] },
    });
    expect(parseJsonBody('{"amount":"1.00","amount":"9.00"}')).toEqual({
      ok: false,
      error: { field: 'amount', message: 'the key "amount" appears twice in one object' },
    });
    expect(parseJsonBody('{"transfers":[{"id":"a"},{"id":"b","id":"c"}]}')).toEqual({
      ok: false,
      error: { field: 'transfers[1].id', message: 'the key "id" appears twice in one object' },
    });
    expect(parseJsonBody('{"a":1,')).toEqual({
      ok: false,
      error: { field: '(body)', message: 'not valid JSON' },
    });
  });

  it('compares keys as decoded strings, and is not fooled by braces, quotes or keys inside strings', () => {
    expect(repeatedKey('{"a":1,"\\u0061":2}')).toEqual({ key: 'a', path: 'a' });
    expect(repeatedKey('{"x":"{\\"a\\":1,\\"a\\":2}","a":"a","y":["a","a"],"z":{},"w":[]}')).toBeNull();
    expect(repeatedKey('{"k":{"a":1},"a":{"a":{"a":1}}}')).toBeNull();
    expect(repeatedKey('[{"a":1},{"a":2,"b":[1,{"a":1,"a":2}]}]')).toEqual({ key: 'a', path: '[1].b[1].a' });
  });

  it('finds a key repeated anywhere in generated documents, and accepts what JSON.stringify writes', () => {
    const json = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        fc.string(),
        fc.integer(),
        fc.constant(null),
        fc.array(tie('value'), { maxLength: 4 }),
        fc.dictionary(fc.string({ maxLength: 4 }), tie('value'), { maxKeys: 4 }),
      ),
    })).value;
    fc.assert(
      fc.property(json, (value) => {
        const text = JSON.stringify(value);
        expect(parseJsonBody(text)).toEqual({ ok: true, value: JSON.parse(text) });
        // The same document with its first object's first member written twice.
        const first = /\{("(?:[^"\\]|\\.)*"):/.exec(text);
        if (first) {
          const start = first.index + 1;
          const repeated = `${text.slice(0, start)}${first[1]}:0,${text.slice(start)}`;
          expect(repeatedKey(repeated)?.key).toBe(JSON.parse(first[1]));
        }
      }),
      { numRuns: 500 },
    );
  });
});
