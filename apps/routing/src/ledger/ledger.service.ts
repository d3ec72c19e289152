import type { FinalizedBlock } from '@concord/contracts';
import type { Directory } from '../participants/directory';
import { STATS_WINDOW, PartnerStats } from '../routes/partner-stats';
import type { LedgerRepository } from './ledger.repository';

/**
 * Keeps routing's picture of the ledger: applies each finalized block to its tables, then to the views in
 * memory (directory, partner statistics), and wakes the order worker when an order moved.
 */
export class LedgerService {
  private readyFlag = false;

  constructor(
    private readonly repository: LedgerRepository,
    private readonly directory: Directory,
    private readonly stats: PartnerStats,
    private readonly onOrders: () => void,
  ) {}

  /** Loads what earlier runs applied, so that a restart serves at once. */
  async load(): Promise<void> {
    for (const m of await this.repository.members()) this.directory.set(m);
    for (const o of await this.repository.recentOutcomes(STATS_WINDOW)) this.stats.record(o.partner, o);
    this.readyFlag = this.directory.size > 0;
  }

  async apply(block: FinalizedBlock): Promise<void> {
    const applied = await this.repository.apply(block);
    if (!applied) return;
    for (const m of applied.members) this.directory.set(m);
    for (const o of applied.outcomes) this.stats.record(o.partner, o);
    if (this.directory.size > 0) this.readyFlag = true;
    if (applied.orders.length > 0) this.onOrders();
  }

  /** Ready once the members are known (the genesis block was applied). */
  get ready(): boolean {
    return this.readyFlag;
  }
}
