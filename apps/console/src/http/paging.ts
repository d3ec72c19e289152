import { Problem } from '@concord/http-problems';

const badCursor = () =>
  new Problem(400, 'VALIDATION_FAILED', 'The request is not valid', {
    errors: [{ field: 'cursor', message: 'not a cursor of this list' }],
  });

/** A cursor that is a plain non-negative integer (a height, a sequence number). */
export function cursorNumber(cursor: string | undefined): number | undefined {
  if (cursor === undefined) return undefined;
  if (!/^\d{1,15}$/.test(cursor)) throw badCursor();
  return Number(cursor);
}

/** A cursor of two parts, `<integer>.<text>` (height and id), base64url-encoded. */
export function encodePair(n: number, id: string): string {
  return Buffer.from(`${n}.${id}`).toString('base64url');
}

export function decodePair(cursor: string | undefined): { n: number; id: string } | undefined {
  if (cursor === undefined) return undefined;
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const m = /^(\d{1,15})\.(.{1,200})$/.exec(text);
  if (!m) throw badCursor();
  return { n: Number(m[1]), id: m[2] };
}
