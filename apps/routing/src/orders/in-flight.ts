import type { InFlight } from '../routes/routes.service';
import type { OrdersRepository } from './orders.repository';

/**
 * Orders in flight per partner (attempts prepared, submitted or reserved), refreshed from the tables on
 * a timer so that routes are priced without a query: the liquidity filter and the load spread read it.
 */
export class InFlightView implements InFlight {
  private counts = new Map<string, number>();
  private amounts = new Map<string, bigint>();

  constructor(private readonly repository: OrdersRepository) {}

  async refresh(): Promise<void> {
    const counts = new Map<string, number>();
    const amounts = new Map<string, bigint>();
    for (const row of await this.repository.inFlight()) {
      counts.set(row.partnerId, (counts.get(row.partnerId) ?? 0) + row.count);
      amounts.set(`${row.partnerId}|${row.currency}`, BigInt(row.payoutMinor));
    }
    this.counts = counts;
    this.amounts = amounts;
  }

  count(partner: string): number {
    return this.counts.get(partner) ?? 0;
  }

  amountMinor(partner: string, currency: string): bigint {
    return this.amounts.get(`${partner}|${currency}`) ?? 0n;
  }
}
