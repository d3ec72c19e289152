import type { CompliancePrisma, Prisma } from '../prisma';
import type { ListEntry, ListSource } from '../screening/list-entry';

export interface ListVersionRow {
  id: number;
  source: string;
  contentHash: string;
  status: string;
  error: string | null;
  entryCount: number;
  fetchedAt: Date;
}

const SUMMARY = {
  id: true,
  source: true,
  contentHash: true,
  status: true,
  error: true,
  entryCount: true,
  fetchedAt: true,
};

/** Every version of every list, loaded or refused, and the entries of the loaded ones. */
export class ListsRepository {
  constructor(private readonly prisma: CompliancePrisma) {}

  /** The version in force of each source: its newest loaded one, with its entries. */
  async current(source: ListSource): Promise<(ListVersionRow & { entries: ListEntry[] }) | null> {
    const row = await this.prisma.listVersion.findFirst({
      where: { source, status: 'loaded' },
      orderBy: { id: 'desc' },
    });
    return row ? { ...row, entries: row.entries as unknown as ListEntry[] } : null;
  }

  async addLoaded(source: ListSource, contentHash: string, entries: ListEntry[]): Promise<ListVersionRow> {
    return this.prisma.listVersion.create({
      data: {
        source,
        contentHash,
        status: 'loaded',
        entryCount: entries.length,
        entries: entries as unknown as Prisma.InputJsonValue,
      },
      select: SUMMARY,
    });
  }

  async addRefused(source: ListSource, contentHash: string, error: string): Promise<ListVersionRow> {
    return this.prisma.listVersion.create({
      data: { source, contentHash, status: 'refused', error: error.slice(0, 2000), entryCount: 0 },
      select: SUMMARY,
    });
  }

  async versions(limit = 100): Promise<ListVersionRow[]> {
    return this.prisma.listVersion.findMany({ orderBy: { id: 'desc' }, take: limit, select: SUMMARY });
  }
}
