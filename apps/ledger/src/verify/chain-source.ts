import type { LedgerPrismaClient } from '@concord/db';
import type { StoredBlock, StoredBlockRow, StrayRow } from './chain-verifier';

export interface ChainSourceOptions {
  /** Blocks read per query. */
  blockPageSize?: number;
  /** Upper bound of entries (by the blocks' entry_count) whose rows are read in one go; at least one block. */
  entryPageSize?: number;
}

function groupByHeight<T extends { height: number }>(rows: T[]): Map<number, T[]> {
  const groups = new Map<number, T[]>();
  for (const row of rows) {
    const group = groups.get(row.height);
    if (group) group.push(row);
    else groups.set(row.height, [row]);
  }
  return groups;
}

/**
 * Reads one signer's stored chain page by page, for the verifier: a page of blocks at a time, and their
 * entries (with their postings) and balances rows in chunks of about `entryPageSize` entries, so that a
 * long chain is never held in memory at once. The `postings` and `transfers` views are derived from the
 * entries, so the entries are what is audited.
 */
export class PrismaChainSource {
  private readonly blockPageSize: number;
  private readonly entryPageSize: number;

  constructor(
    private readonly prisma: LedgerPrismaClient,
    options: ChainSourceOptions = {},
  ) {
    this.blockPageSize = options.blockPageSize ?? 500;
    this.entryPageSize = options.entryPageSize ?? 5000;
  }

  async blockCount(): Promise<number> {
    return this.prisma.block.count();
  }

  async *blocks(): AsyncGenerator<StoredBlock> {
    let after: number | null = null;
    for (;;) {
      const page: StoredBlockRow[] = await this.prisma.block.findMany({
        where: after === null ? undefined : { height: { gt: after } },
        orderBy: { height: 'asc' },
        take: this.blockPageSize,
      });
      if (page.length === 0) return;
      const range = { gte: page[0].height, lte: page[page.length - 1].height };
      const certificates = new Map(
        (await this.prisma.certificate.findMany({ where: { height: range } })).map((c) => [c.height, c]),
      );
      for (let i = 0; i < page.length;) {
        let j = i + 1;
        let entries = page[i].entryCount;
        while (j < page.length && entries + page[j].entryCount <= this.entryPageSize)
          entries += page[j++].entryCount;
        const chunk = { gte: page[i].height, lte: page[j - 1].height };
        const [entryRows, balanceRows] = await Promise.all([
          this.prisma.entry.findMany({
            where: { height: chunk },
            orderBy: [{ height: 'asc' }, { seq: 'asc' }],
          }),
          this.prisma.balance.findMany({ where: { height: chunk }, orderBy: { accountId: 'asc' } }),
        ]);
        const byHeight = { entries: groupByHeight(entryRows), balances: groupByHeight(balanceRows) };
        for (const block of page.slice(i, j)) {
          yield {
            block,
            entries: byHeight.entries.get(block.height) ?? [],
            certificate: certificates.get(block.height) ?? null,
            balances: byHeight.balances.get(block.height) ?? [],
          };
        }
        i = j;
      }
      after = page[page.length - 1].height;
    }
  }

  /**
   * The lowest-height row of a per-height table whose height is outside 1..tip. Heights inside that range
   * are all blocks (the verifier checks they are contiguous), so their rows were read with their block.
   * Votes are not audited: they are what the signer saw on the votes topic, dissent included.
   */
  async strayRow(tip: number): Promise<StrayRow | null> {
    const outside = { OR: [{ height: { lt: 1 } }, { height: { gt: tip } }] };
    const query = { where: outside, select: { height: true }, orderBy: { height: 'asc' as const } };
    const found = await Promise.all([
      this.prisma.block.findFirst(query).then((r) => r && { table: 'blocks', height: r.height }),
      this.prisma.entry.findFirst(query).then((r) => r && { table: 'entries', height: r.height }),
      this.prisma.certificate.findFirst(query).then((r) => r && { table: 'certificates', height: r.height }),
      this.prisma.balance.findFirst(query).then((r) => r && { table: 'balances', height: r.height }),
    ]);
    const rows = found.filter((r): r is StrayRow => r !== null);
    return rows.reduce<StrayRow | null>((a, b) => (a === null || b.height < a.height ? b : a), null);
  }
}
