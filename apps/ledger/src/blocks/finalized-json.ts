import type { FinalizedBlock } from '@concord/contracts';

/** Several JSON array texts as one: `[a,b]`, `[]`, `[c]` → `[a,b,c]`. */
export function concatJsonArrays(arrays: readonly string[]): string {
  const items: string[] = [];
  for (const array of arrays) if (array !== '[]') items.push(array.slice(1, -1));
  return `[${items.join(',')}]`;
}

/**
 * A finalized block's message text: `rest` as JSON.stringify writes it, with the outcomes and postings
 * spliced in as the texts the engine already wrote for its entries (see `Entry.outcomesJson`). They are
 * most of a block's megabytes, and the publisher would otherwise serialize them a second time.
 */
export function finalizedJson(
  rest: Omit<FinalizedBlock, 'outcomes' | 'postings'>,
  outcomes: string,
  postings: string,
): string {
  const head = JSON.stringify(rest);
  return `${head.slice(0, -1)},"outcomes":${outcomes},"postings":${postings}}`;
}
