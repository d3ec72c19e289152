/**
 * Request bodies are parsed here, the same way for every signed API: as JSON, and refused when an object
 * repeats a key. `JSON.parse` keeps the last of two `"amount"` keys where other parsers keep the first or
 * fail, so a signed body with a duplicate key could mean two different transfers to two readers (a known
 * confusion attack on signed JSON). Keys are compared as decoded strings: `"a"` and `"\u0061"` repeat.
 */
export type JsonBody =
  { ok: true; value: unknown } | { ok: false; error: { field: string; message: string } };

export function parseJsonBody(text: string): JsonBody {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, error: { field: '(body)', message: 'not valid JSON' } };
  }
  // Only objects can repeat a key; a body with no '{' (a number, a string of no braces) needs no scan.
  const repeated = text.includes('{') ? repeatedKey(text) : null;
  if (repeated)
    return {
      ok: false,
      error: {
        field: repeated.path,
        message: `the key ${JSON.stringify(repeated.key)} appears twice in one object`,
      },
    };
  return { ok: true, value };
}

/**
 * The first key repeated within one object of `text`, which must be valid JSON, with the path of that
 * object. One pass over the text with a set of keys per open object: it runs on every signed body of
 * the gateway's hot path (batches of a thousand transfers), where a general JSON parser with an AST
 * would double the cost of parsing.
 */
export function repeatedKey(text: string): { key: string; path: string } | null {
  // One frame per open object or array: its keys so far (objects) and its path, for the message.
  const frames: { keys: Set<string> | null; path: string; lastKey: string; index: number }[] = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      let j = i + 1;
      let escaped = false;
      for (let d = text.charCodeAt(j); d !== 0x22; d = text.charCodeAt(j)) {
        if (d === 0x5c) {
          escaped = true;
          j += 2;
        } else j += 1;
      }
      const top = frames[frames.length - 1];
      if (expectKey && top?.keys) {
        const key = escaped ? (JSON.parse(text.slice(i, j + 1)) as string) : text.slice(i + 1, j);
        if (top.keys.has(key)) return { key, path: join(top.path, key) };
        top.keys.add(key);
        top.lastKey = key;
        expectKey = false;
      }
      i = j;
    } else if (c === 0x7b || c === 0x5b) {
      const parent = frames[frames.length - 1];
      const path = !parent
        ? ''
        : parent.keys
          ? join(parent.path, parent.lastKey)
          : `${parent.path}[${parent.index}]`;
      frames.push({ keys: c === 0x7b ? new Set() : null, path, lastKey: '', index: 0 });
      expectKey = c === 0x7b;
    } else if (c === 0x7d || c === 0x5d) {
      frames.pop();
      expectKey = false;
    } else if (c === 0x2c) {
      const top = frames[frames.length - 1];
      if (top && !top.keys) top.index += 1;
      expectKey = top?.keys != null;
    }
  }
  return null;
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}
