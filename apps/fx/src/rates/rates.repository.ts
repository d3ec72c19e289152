import { ServicesPrismaClient } from '@concord/db';
import type { Rate } from './rates.file-provider';

/** Rate history: every loaded rate is kept with its source and time. */
export class RatesRepository {
  constructor(private readonly prisma: ServicesPrismaClient) {}

  async save(rates: Rate[]): Promise<number> {
    const result = await this.prisma.fxRate.createMany({ data: rates });
    return result.count;
  }

  latest(base: string, quote: string) {
    return this.prisma.fxRate.findFirst({
      where: { base, quote },
      orderBy: [{ asOf: 'desc' }, { id: 'desc' }],
    });
  }
}
