import type { FinalizedBlock } from '@concord/contracts';
import type { RawSql } from '@concord/db';
import type { Logger } from '@concord/observability';
import type { ClearingMetrics } from '../clearing.metrics';
import type { ClearingRepository } from '../clearing.repository';
import type { ClearingOptions } from '../clearing.options';
import { blockDeltas, settlingMoves } from '../netting/netting';
import { refusedPostings } from '../settlement/settlement-signer';
import { LimitCrossing, limitCheck } from './limit-alarm';

/**
 * Finalized blocks into clearing: each block's moves into the open window of their currency, and its
 * position accounts against the ledger's caps (limit alarms), once per block.
 */
export class PositionsService {
  constructor(
    private readonly repo: ClearingRepository,
    private readonly log: Logger,
    private readonly metrics: ClearingMetrics,
    private readonly options: ClearingOptions,
  ) {}

  async applyBlock(block: FinalizedBlock): Promise<void> {
    const result = await this.repo.blockTransaction((tx) => this.takeIn(tx, block));
    if (!result) return;
    this.metrics.blocks.inc();
    for (const c of result.crossings) this.reportCrossing(c);
    // A posting the ledger refused needs an operator: the bank moved the money, the ledger did not.
    for (const r of refusedPostings(block)) {
      this.metrics.postingsRefused.inc({ reason: r.reason });
      this.log.error(
        { postingId: r.postingId, reason: r.reason, height: block.header.height },
        'the ledger refused a settlement posting',
      );
    }
    for (const currency of result.openedCurrencies) await this.options.onNewCurrency?.(currency);
    if (result.crossings.length > 0) await this.options.onEvents?.();
  }

  /**
   * Adds one finalized block, once (a repeated height changes nothing; null then): the members it
   * announces, its moves to the open window of each currency, its position accounts' balances and caps,
   * and the limit alarms they trigger.
   */
  private async takeIn(
    tx: RawSql,
    block: FinalizedBlock,
  ): Promise<{ crossings: LimitCrossing[]; openedCurrencies: string[] } | null> {
    const { positions } = this.repo.sql;
    if (!(await positions.claimBlock(tx, block.header))) return null;
    await positions.recordParticipants(tx, block);
    const openedCurrencies = await this.addMoves(tx, block);
    const accounts = block.accounts.filter((a) => a.kind === 'position');
    if (accounts.length === 0) return { crossings: [], openedCurrencies };
    await positions.upsertAccounts(tx, accounts, block.header.height);
    const crossings = await this.checkLimits(
      tx,
      accounts.map((a) => a.id),
      `h${block.header.height}`,
    );
    return { crossings, openedCurrencies };
  }

  /**
   * Adds a block's moves to the open window of each currency, a gross settlement participant's side
   * replaced by the hub (the ledger settled it already, against that participant's prefunding). The
   * currencies that got their first window.
   */
  private async addMoves(tx: RawSql, block: FinalizedBlock): Promise<string[]> {
    const { positions, windows } = this.repo.sql;
    const parties = [...new Set(block.moves.flatMap((m) => [m.payer, m.payee]))];
    const deltas = blockDeltas(settlingMoves(block, await positions.grossAmong(tx, parties)));
    // The open windows of the block's currencies, locked in currency order (the order in which blocks
    // always lock them); a currency without one gets it opened.
    const open = await windows.lockOpenOf(
      tx,
      deltas.map((d) => d.currency),
    );
    const openedCurrencies: string[] = [];
    for (const delta of deltas) {
      if (open.has(delta.currency)) continue;
      const { id, created } = await windows.lockOrOpen(tx, delta.currency);
      open.set(delta.currency, id);
      if (created) openedCurrencies.push(delta.currency);
    }
    await positions.addDeltas(tx, deltas, open, block.header.height);
    return openedCurrencies;
  }

  /**
   * The limit alarms of position accounts against their caps, each announced once: `origin` (the block)
   * makes the event id.
   */
  private async checkLimits(tx: RawSql, accountIds: string[], origin: string): Promise<LimitCrossing[]> {
    const { positions, outbox } = this.repo.sql;
    const crossings: LimitCrossing[] = [];
    for (const account of await positions.lockAccounts(tx, accountIds)) {
      const check = limitCheck(account, this.options.alarmShareBps, origin);
      if (check.alarmed !== null) await positions.setAlarmed(tx, account.id, check.alarmed);
      if (check.crossing && check.event) {
        await outbox.event(tx, `${account.participantId}/${account.currency}`, check.event);
        crossings.push(check.crossing);
      }
    }
    return crossings;
  }

  private reportCrossing(c: LimitCrossing): void {
    const fields = {
      participantId: c.participantId,
      currency: c.currency,
      height: c.height,
      positionMinor: c.positionMinor.toString(),
      capMinor: c.capMinor.toString(),
      thresholdMinor: c.thresholdMinor.toString(),
    };
    if (c.kind === 'alarm') {
      this.metrics.limitAlarms.inc({ currency: c.currency });
      this.log.warn(fields, 'limit alarm: position below the alarm share of its net debit cap');
    } else {
      this.log.info(fields, 'limit alarm cleared: position back above the threshold');
    }
  }
}
