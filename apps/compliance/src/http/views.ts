/** A value as JSON can carry it: bigints as decimal strings, dates as ISO strings, undefined dropped. */
export function jsonView<T>(value: T): unknown {
  return JSON.parse(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));
}
