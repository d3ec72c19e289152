import type { Prisma, PrismaClient } from '.prisma/routing-client';
import type { RouteOptionView, RouteRequest } from '@concord/contracts';

/** What an order needs of an option beyond its view: the offer's promise and the amounts in minor units. */
export interface StoredOption {
  view: RouteOptionView;
  promisedMs: number;
  payoutMinor: string;
  recipientMinor: string;
  totalCostMinor: string;
  valueMinor: string;
}

/** Options of routes answers, kept until they expire so that an order can name one. */
export class RouteOptionsRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async save(appId: string, request: RouteRequest, options: StoredOption[]): Promise<void> {
    if (options.length === 0) return;
    await this.prisma.routeOption.createMany({
      data: options.map((o) => ({
        id: o.view.optionId,
        appId,
        option: o as unknown as Prisma.InputJsonValue,
        request: request as unknown as Prisma.InputJsonValue,
        expiresAt: new Date(o.view.expiresAt),
      })),
    });
  }

  async find(
    appId: string,
    optionId: string,
  ): Promise<{ option: StoredOption; request: RouteRequest; expiresAt: Date } | null> {
    const row = await this.prisma.routeOption.findUnique({ where: { id: optionId } });
    if (!row || row.appId !== appId) return null;
    return {
      option: row.option as unknown as StoredOption,
      request: row.request as unknown as RouteRequest,
      expiresAt: row.expiresAt,
    };
  }

  /** Options expired for longer than a day are of no use to anyone. */
  async prune(nowMs = Date.now()): Promise<number> {
    const { count } = await this.prisma.routeOption.deleteMany({
      where: { expiresAt: { lt: new Date(nowMs - 24 * 3600_000) } },
    });
    return count;
  }
}
