/**
 * The opaque cursor of the keyset-paginated lists (transfers, settlement instructions): the last row's
 * (created_at, id), as base64url JSON. A cursor that does not decode is refused by the query schemas.
 */
export function encodeCursor(createdAt: Date, id: string): string {
  return Buffer.from(JSON.stringify([createdAt.toISOString(), id])).toString('base64url');
}

export function decodeCursor(cursor: string): { createdAt: Date; id: string } | undefined {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string];
    const createdAt = new Date(at);
    return typeof id === 'string' && !Number.isNaN(createdAt.getTime()) ? { createdAt, id } : undefined;
  } catch {
    return undefined;
  }
}
