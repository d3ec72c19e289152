import { Kafka, Producer } from 'kafkajs';
import {
  Alarm,
  EquivocationEvidence,
  FinalizedBlock,
  PublishedNotice,
  topicName,
  Vote,
  votesTopicMessageSchema,
} from '@concord/contracts';
import { signBytes, SigningKey } from '@concord/crypto';
import {
  deadLetterOf,
  groupName,
  sendDeadLetters,
  sendJson,
  SupervisedConsumer,
  validate,
} from '@concord/kafka';
import type { Logger } from '@concord/observability';
import { Counter, Gauge, Registry } from 'prom-client';
import { blockMoves } from '../blocks/block-moves';
import { concatJsonArrays, finalizedJson } from '../blocks/finalized-json';
import { BlocksRepository } from '../blocks/blocks.repository';
import { proposalOutcomes } from '../blocks/proposal-outcomes';
import { headerHash, LedgerEngine } from '../engine/ledger-engine';
import { SealedBlock } from '../engine/engine.types';
import { differingAccounts, QuorumTracker, TallyEvent } from '../votes/quorum';
import { ClockJump, describeClockJump, LogClockGuard } from './clock-guard';

/** Sealed blocks not yet certified at which the proposer holds the next cut back. */
const MAX_UNCERTIFIED_BLOCKS = 1;
/** The longest it holds a cut back for a certification, from when it sealed its last block. */
const UNCERTIFIED_WAIT_MAX_MS = 500;
/** The share of a block's size bound from which its cut waits a second interval (see maybeCut). */
const HEAVY_BLOCK_FILL = 0.25;
/** How often per cut interval a signer checks whether to propose a cut. */
const CUT_CHECKS_PER_INTERVAL = 5;

/**
 * How long a block stays open after the previous one sealed before its cut is proposed: one cut interval,
 * two once the block is past HEAVY_BLOCK_FILL of its size bound (`fill`, see LedgerEngine.openBlockFill).
 */
export function minOpenMs(fill: number, cutIntervalMs: number): number {
  return (fill >= HEAVY_BLOCK_FILL ? 2 : 1) * cutIntervalMs;
}

/**
 * Blocks kept in memory behind the tip: their sealed content (to publish and to compare) and their votes
 * (late dissent is still flagged). Older ones are forgotten; a vote for one of them is ignored.
 */
const RECENT_BLOCKS = 1000;

/** How long each fallback publisher waits, per place in the certificate, for the first voter. */
const FALLBACK_PUBLISH_MS = 2000;

/**
 * Certified blocks behind the stored tip whose votes a restarted signer counts again, so that a block whose
 * publication was cut short (by a broker outage, say) is published by a fallback once the votes topic shows
 * that nobody did.
 */
const REPUBLISH_WINDOW_BLOCKS = 20;

/** Signer failures of this kind stop the process: restarting from the same database cannot mend them. */
export class ChainDivergence extends Error {
  override readonly name = 'ChainDivergence';
}

/** The signer's Prometheus metrics: registered once per process, shared by every run of the signer. */
export function createSignerMetrics(registry: Registry) {
  return {
    height: new Gauge({
      name: 'ledger_sealed_height',
      help: 'Height of the last sealed block',
      registers: [registry],
    }),
    certified: new Gauge({
      name: 'ledger_certified_height',
      help: 'Height of the last certified block',
      registers: [registry],
    }),
    entries: new Counter({
      name: 'ledger_entries_total',
      help: 'Log records applied',
      registers: [registry],
    }),
    alarms: new Counter({
      name: 'ledger_reconciliation_alarms_total',
      help: 'State root disagreements, heights without quorum, finality stalls and equivocations, by kind',
      labelNames: ['kind'],
      registers: [registry],
    }),
    stalled: new Gauge({
      name: 'ledger_finality_stalled',
      help: '1 while finality has not advanced for LEDGER_STALL_ALARM_MS with blocks or transfers waiting',
      registers: [registry],
    }),
    restarts: new Counter({
      name: 'ledger_signer_restarts_total',
      help: 'Times the signer started again from its database after a lost connection',
      registers: [registry],
    }),
  };
}
export type SignerMetrics = ReturnType<typeof createSignerMetrics>;

export interface SignerSettings {
  signerId: string;
  key: SigningKey;
  topicPrefix: string;
  cutIntervalMs: number;
  /** How long finality may stand still, with blocks sealed or transfers waiting, before `no-quorum`. */
  stallAlarmMs: number;
  /** How far ahead of this signer's clock a log time may be before the record waits (see LogClockGuard). */
  clockJumpMaxMs?: number;
  /**
   * Test-only fault injection: from this height on, the node corrupts its own state so that its state
   * root disagrees. Used to prove that honest signers flag it and still finalize.
   */
  faultFromHeight?: number;
  /**
   * Test-only fault injection: the node never publishes a finalized block as first voter, as if it crashed
   * right after its vote, so that the fallback publishers have to.
   */
  silentPublisher?: boolean;
}

interface RecentBlock {
  headerHash: string;
  block: SealedBlock | null;
  changedAccounts: string[];
}

/**
 * One signer node: replays its own stored chain, then executes the command log from where it stopped,
 * seals, stores and signs blocks, counts everyone's votes and stores each certificate. The first voter
 * of a certified header publishes the finalized block for the other services.
 */
export class SignerService {
  readonly engine = new LedgerEngine();
  private quorum: QuorumTracker | null = null;
  private commandsConsumer: SupervisedConsumer | null = null;
  private votesConsumer: SupervisedConsumer | null = null;
  /** The offset after the last vote read, where a rejoined votes consumer goes on (all votes at start). */
  private nextVoteOffset: string | undefined = undefined;
  /** The certified height found in the database at start (see REPUBLISH_WINDOW_BLOCKS). */
  private recoveredCertifiedHeight = 0;
  /** When the certified height last moved (or the signer started), and whether `no-quorum` was raised. */
  private certifiedMovedAtMs = Date.now();
  private stall: { height: number } | null = null;
  private cutInFlight = false;
  private cutFailing = false;
  /** Heights whose finalized block a signer announced as published, so that a fallback stands down. */
  private readonly publishedHeights = new Set<number>();
  private readonly fallbackTimers = new Set<NodeJS.Timeout>();
  private cutTimer: NodeJS.Timeout | null = null;
  private lastApplied = -1n;
  private lastCutSent = 0;
  /** The expiry that lone cuts were last proposed for, and how many were (see maybeCut). */
  private expiryCut = { forMs: 0, tries: 0 };
  private lastCutAtMs = 0;
  /** When this signer last sealed a block from the live log. */
  private lastSealedAtMs = 0;
  private readonly recent = new Map<number, RecentBlock>();
  private readonly clockGuard: LogClockGuard;
  private readonly pendingCertificates = new Map<number, Extract<TallyEvent, { kind: 'certified' }>>();
  private certifiedHeight = 0;
  private stopped = false;
  private readonly earlyVotes: Vote[] = [];
  private voteQueue: Promise<void> = Promise.resolve();
  private failed = false;

  constructor(
    private readonly settings: SignerSettings,
    private readonly repository: BlocksRepository,
    private readonly kafka: Kafka,
    private readonly producer: Producer,
    private readonly log: Logger,
    private readonly metrics: SignerMetrics,
    /**
     * Called once when this run of the signer cannot go on (its engine has moved past what it stored or
     * voted): the supervisor discards it and starts a new one from the database, or stops the process.
     */
    private readonly onFailure: (error: unknown) => void = (error) => {
      throw error;
    },
  ) {
    this.clockGuard = new LogClockGuard(settings.clockJumpMaxMs ?? 60_000, (jump) => this.onClockJump(jump));
  }

  private topic(key: Parameters<typeof topicName>[0]): string {
    return topicName(key, this.settings.topicPrefix);
  }

  async start(): Promise<void> {
    await this.recover();
    // Both consumers join groups of their own, named afresh at every start, and commit nothing: where to read
    // from is this signer's own knowledge (its stored chain; the votes it has read), so a restarted signer
    // never waits for its dead predecessor's session, and a rejoin after a pause goes on where it was.
    this.votesConsumer = new SupervisedConsumer({
      kafka: this.kafka,
      topic: this.topic('ledgerVotes'),
      groupId: groupName(this.settings.topicPrefix, `ledger-votes-${this.settings.signerId}`),
      ephemeral: true,
      fromBeginning: true,
      position: () => this.nextVoteOffset,
      onRestart: (error, delayMs) => this.logRestart('votes', error, delayMs),
      run: {
        autoCommit: false,
        eachBatchAutoResolve: false,
        eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
          await this.orFail(async () => {
            for (const message of batch.messages) {
              if (this.stopped) return;
              await this.readVote(batch, message);
              resolveOffset(message.offset);
              this.nextVoteOffset = (BigInt(message.offset) + 1n).toString();
            }
          });
          // Outside orFail: a heartbeat refused after a pause makes kafkajs rejoin, which is what it should do.
          await heartbeat();
        },
      },
    });
    await this.votesConsumer.start();
    this.commandsConsumer = new SupervisedConsumer({
      kafka: this.kafka,
      topic: this.topic('ledgerCommands'),
      groupId: groupName(this.settings.topicPrefix, `ledger-commands-${this.settings.signerId}`),
      ephemeral: true,
      fromBeginning: true,
      config: { maxBytesPerPartition: 4 * 1024 * 1024 },
      // The stored chain says where to resume: the offset after the last stored block. Records between it
      // and a crash were never stored and are applied again, once.
      position: () => (this.lastApplied + 1n).toString(),
      onRestart: (error, delayMs) => this.logRestart('commands', error, delayMs),
      run: {
        autoCommit: false,
        eachBatchAutoResolve: false,
        eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning }) => {
          await this.orFail(async () => {
            for (const message of batch.messages) {
              if (!isRunning() || this.stopped) return;
              const offset = BigInt(message.offset);
              if (!(await this.awaitClock(offset, Number(message.timestamp), heartbeat, isRunning))) return;
              await this.applyRecord(
                BigInt(message.offset),
                Number(message.timestamp),
                message.value?.toString('utf8') ?? '',
              );
              resolveOffset(message.offset);
            }
          });
          await heartbeat();
        },
      },
    });
    await this.commandsConsumer.start();
    // Checked several times per interval, so that a block is cut soon after it has been open long enough
    // (see maybeCut), whatever the phase of this node's timer against the others'.
    this.cutTimer = setInterval(
      () => void this.tick(),
      Math.max(5, Math.floor(this.settings.cutIntervalMs / CUT_CHECKS_PER_INTERVAL)),
    );
    this.log.info(
      { height: this.engine.height - 1, resumeOffset: (this.lastApplied + 1n).toString() },
      'signer started',
    );
  }

  private logRestart(consumer: string, error: unknown, delayMs: number): void {
    this.log.warn({ consumer, delayMs, err: error }, 'Kafka consumer failed; starting it again');
  }

  /** One vote, publication notice or invalid message from the votes topic. */
  private async readVote(
    batch: { topic: string; partition: number },
    message: { offset: string; value: Buffer | null },
  ): Promise<void> {
    const parsed = validate(votesTopicMessageSchema, message.value?.toString('utf8') ?? '');
    if (parsed.ok) {
      const value = parsed.value;
      if ('type' in value) this.onPublished(value.height);
      else await this.onVote(value);
      return;
    }
    // An invalid vote counts for nothing, but it goes on record with its reason before the signer moves
    // past it. Every start reads all votes again, so a restarted signer sends the same dead letter again,
    // under the same key.
    this.log.warn({ offset: message.offset, reason: parsed.reason }, 'dead-lettered an invalid vote');
    await sendDeadLetters(this.producer, this.settings.topicPrefix, [
      deadLetterOf(
        batch,
        message as Parameters<typeof deadLetterOf>[1],
        parsed.reason,
        `ledger-${this.settings.signerId}`,
      ),
    ]);
  }

  /** The cut timer: propose a cut when one is due, and watch finality. Failures here are retried next tick. */
  private async tick(): Promise<void> {
    if (this.stopped) return;
    this.watchFinality(Date.now());
    if (this.cutInFlight) return;
    this.cutInFlight = true;
    try {
      await this.maybeCut();
      this.cutFailing = false;
    } catch (error) {
      // The broker is unreachable: the cut is proposed again at a later tick. Said once per outage.
      if (!this.cutFailing) this.log.warn({ err: error }, 'could not propose a cut; retrying');
      this.cutFailing = true;
    } finally {
      this.cutInFlight = false;
    }
  }

  /**
   * Raises `no-quorum` when the certified height has stood still for `stallAlarmMs` while blocks are sealed
   * beyond it or transfers wait in the open block, naming the signers whose votes for the next height this
   * signer has not seen; clears it (with `finality-resumed`) once finality moves again.
   */
  private watchFinality(nowMs: number): void {
    if (!this.engine.hasGenesis) return;
    const waiting = this.engine.height - 1 > this.certifiedHeight || this.engine.openEntryCount > 0;
    // The stall clock runs only while something waits: an idle chain has not stalled, and the first record
    // after a quiet spell must not look as if it had waited all along.
    if (!waiting) {
      this.certifiedMovedAtMs = nowMs;
      return;
    }
    if (this.stall || nowMs - this.certifiedMovedAtMs < this.settings.stallAlarmMs) return;
    const height = this.certifiedHeight + 1;
    const voted = new Set((this.quorum?.votesOf(height) ?? []).map((v) => v.signerId));
    const missing = this.engine
      .signerSetAt(height)
      .signers.map((s) => s.id)
      .filter((id) => !voted.has(id));
    this.stall = { height };
    this.metrics.stalled.set(1);
    void this.alarm({
      v: 1,
      kind: 'no-quorum',
      height,
      signerId: this.settings.signerId,
      signers: missing,
      detail:
        `finality stalled at height ${this.certifiedHeight} for ${nowMs - this.certifiedMovedAtMs} ms; ` +
        `no vote seen for height ${height} from ${missing.join(', ') || '(none: votes disagree)'}`,
      accounts: [],
    }).catch((error: unknown) => this.log.warn({ err: error }, 'could not send an alarm'));
  }

  /** Called when the certified height moves: resets the stall clock and clears a raised `no-quorum`. */
  private finalityMoved(): void {
    this.certifiedMovedAtMs = Date.now();
    if (!this.stall) return;
    const stalledAt = this.stall.height;
    this.stall = null;
    this.metrics.stalled.set(0);
    void this.alarm({
      v: 1,
      kind: 'finality-resumed',
      height: this.certifiedHeight,
      signerId: this.settings.signerId,
      detail: `finality resumed: certified height ${this.certifiedHeight} (stalled before ${stalledAt})`,
      accounts: [],
    }).catch((error: unknown) => this.log.warn({ err: error }, 'could not send an alarm'));
  }

  /** Rebuilds the state by replaying this signer's own stored entries, checking every header on the way. */
  private async recover(): Promise<void> {
    const headers = await this.repository.loadHeaders();
    const entries = await this.repository.loadEntries();
    let next = 0;
    for (const entry of entries) {
      const sealed = this.engine.apply({
        offset: entry.offset,
        timestampMs: entry.timestampMs,
        value: entry.payload,
      });
      if (sealed) {
        const stored = headers[next++];
        if (!stored || stored.headerHash !== sealed.headerHash) {
          throw new ChainDivergence(
            `recovery diverged at block ${sealed.header.height}: stored chain and replay disagree`,
          );
        }
        this.rememberRecent(sealed);
        await this.afterGenesis();
      }
    }
    if (next !== headers.length) throw new ChainDivergence('recovery left stored blocks unmatched');
    this.lastApplied = headers.length > 0 ? headers[headers.length - 1].lastOffset : -1n;
    this.certifiedHeight = await this.repository.lastCertifiedHeight();
    this.recoveredCertifiedHeight = this.certifiedHeight;
    this.metrics.height.set(this.engine.height - 1);
    this.metrics.certified.set(this.certifiedHeight);
    // Votes of blocks that were sealed but not certified before a crash are sent again; duplicates of a
    // signer's vote are ignored by everyone.
    for (const stored of headers.filter((h) => h.height > this.certifiedHeight)) {
      const recent = this.recent.get(stored.height);
      if (recent?.block) await this.publishVote(recent.block, stored.signature);
    }
  }

  /** Creates the vote counter once the genesis names the signers, and counts the votes that waited. */
  private async afterGenesis(): Promise<void> {
    if (!this.engine.hasGenesis) return;
    if (!this.quorum) this.quorum = new QuorumTracker((height) => this.engine.signerSetAt(height));
    if (this.earlyVotes.length === 0) return;
    const waiting = this.earlyVotes.splice(0);
    for (const vote of waiting) await this.onVote(vote);
  }

  /**
   * Holds a record stamped too far ahead of this signer's clock until its clock comes within the bound
   * (LogClockGuard), heartbeating meanwhile; false when the signer stopped while it waited.
   */
  private async awaitClock(
    offset: bigint,
    timestampMs: number,
    heartbeat: () => Promise<void>,
    isRunning: () => boolean,
  ): Promise<boolean> {
    for (;;) {
      if (offset <= this.lastApplied) return true;
      const waitMs = this.clockGuard.waitBefore(offset, timestampMs, this.engine.clockMs);
      if (waitMs === 0) return true;
      await new Promise((resolve) => setTimeout(resolve, Math.min(waitMs, 1_000)));
      await heartbeat();
      if (!isRunning() || this.stopped) return false;
    }
  }

  private onClockJump(jump: ClockJump): void {
    void this.alarm({
      v: 1,
      kind: 'clock-jump',
      height: this.engine.height,
      signerId: this.settings.signerId,
      detail: describeClockJump(jump),
      accounts: [],
    }).catch((error: unknown) => this.log.warn({ err: error }, 'could not send an alarm'));
  }

  private async applyRecord(offset: bigint, timestampMs: number, value: string): Promise<void> {
    if (offset <= this.lastApplied) return;
    this.lastApplied = offset;
    this.metrics.entries.inc();
    const sealed = this.engine.apply({ offset, timestampMs, value });
    if (!sealed) return;
    if (
      this.settings.faultFromHeight !== undefined &&
      sealed.header.height >= this.settings.faultFromHeight
    ) {
      this.corrupt(sealed);
    }
    const signature = signBytes(this.settings.key, sealed.headerHash);
    await this.repository.saveBlock(sealed, signature);
    if (this.log.isLevelEnabled('debug')) this.traceOutcomes(sealed);
    this.metrics.height.set(sealed.header.height);
    this.lastSealedAtMs = Date.now();
    this.rememberRecent(sealed);
    await this.publishVote(sealed, signature);
    await this.afterGenesis();
    const pending = this.pendingCertificates.get(sealed.header.height);
    if (pending) {
      this.pendingCertificates.delete(sealed.header.height);
      await this.onCertified(pending);
    }
  }

  /**
   * At debug level, one line per transfer outcome of a sealed block, with the transfer id that the gateway's
   * and clearing's lines about the same transfer carry, so that one transfer can be followed through the logs.
   */
  private traceOutcomes(sealed: SealedBlock): void {
    for (const entry of sealed.entries) {
      for (const outcome of entry.outcomes) {
        this.log.debug(
          {
            transferId: outcome.transferId,
            payer: outcome.payer,
            status: outcome.status,
            reason: outcome.reason,
            height: sealed.header.height,
            offset: entry.offset.toString(),
          },
          'transfer outcome sealed',
        );
      }
    }
  }

  /**
   * Fault injection for the Byzantine tests: this node's engine adds one minor unit to an account the
   * block changed, so that from here on it really computes a wrong state (double entry broken on this node
   * alone). The header it signs is then honestly hashed from that state, and every later block builds on
   * it, as a signer running a faulty state machine would.
   */
  private corrupt(sealed: SealedBlock): void {
    const changed = sealed.changedAccounts[0];
    const account = changed && this.engine.accounts.get(changed.id);
    if (!account) return;
    account.balanceMinor += 1n;
    changed.balanceMinor = account.balanceMinor;
    sealed.header = { ...sealed.header, stateRoot: this.engine.stateRoot() };
    sealed.headerHash = headerHash(sealed.header);
    this.engine.prevHash = sealed.headerHash;
  }

  private rememberRecent(sealed: SealedBlock): void {
    this.recent.set(sealed.header.height, {
      headerHash: sealed.headerHash,
      block: sealed,
      changedAccounts: sealed.changedAccounts.map((a) => `${a.id}|${a.balanceMinor}|${a.reservedMinor}`),
    });
    // Keep a bounded window; older blocks are read back from the database if ever needed.
    for (const h of this.recent.keys()) if (h < sealed.header.height - RECENT_BLOCKS) this.recent.delete(h);
  }

  private async publishVote(sealed: SealedBlock, signature: string): Promise<void> {
    const vote: Vote = {
      v: 1,
      signerId: this.settings.signerId,
      header: sealed.header,
      headerHash: sealed.headerHash,
      signature,
      changedAccounts: sealed.changedAccounts.map((a) => `${a.id}|${a.balanceMinor}|${a.reservedMinor}`),
    };
    await sendJson(this.producer, this.topic('ledgerVotes'), [
      { key: String(sealed.header.height), value: vote },
    ]);
  }

  private onPublished(height: number): void {
    this.publishedHeights.add(height);
    if (this.publishedHeights.size > 10_000) {
      for (const h of this.publishedHeights) if (h < height - 5_000) this.publishedHeights.delete(h);
    }
  }

  /**
   * Votes reach this node from the votes consumer and from the queue of early votes; they are counted one
   * at a time, in arrival order, so that every signer tallies the same sequence.
   */
  private onVote(vote: Vote): Promise<void> {
    const next = this.voteQueue.then(() => this.countVote(vote));
    this.voteQueue = next.catch(() => undefined);
    return next;
  }

  private async countVote(vote: Vote): Promise<void> {
    if (!this.quorum || vote.header.height > this.engine.height) {
      // The signers of height h are known once this node has sealed block h - 1 (a governance change
      // counts from the next block), so votes from further ahead wait until it has.
      this.earlyVotes.push(vote);
      return;
    }
    const height = vote.header.height;
    // Votes of heights certified before are counted again only in the republish window after a restart.
    const replayed =
      height <= this.recoveredCertifiedHeight &&
      height > this.recoveredCertifiedHeight - REPUBLISH_WINDOW_BLOCKS;
    if (height <= this.certifiedHeight && !this.quorum.certifiedHash(height) && !replayed) return;
    const events = this.quorum.add(height, {
      signerId: vote.signerId,
      headerHash: vote.headerHash,
      signature: vote.signature,
      changedAccounts: vote.changedAccounts,
      header: vote.header,
    });
    for (const event of events) {
      if (event.kind === 'certified') {
        if (this.recent.has(height)) await this.onCertified(event);
        else this.pendingCertificates.set(height, event);
      } else if (event.kind === 'dissent') {
        const certifiedVote = this.quorum.votesOf(height).find((v) => v.headerHash === event.certifiedHash);
        const dissenting = this.quorum.votesOf(height).find((v) => v.signerId === event.signerId);
        // Evidence: a dissenting vote is stored whenever it comes (agreeing ones are stored with the certificate).
        if (dissenting) await this.repository.saveVotes(height, [dissenting]);
        const accounts = differingAccounts(
          certifiedVote?.changedAccounts ?? [],
          dissenting?.changedAccounts ?? [],
        );
        await this.alarm({
          v: 1,
          kind: 'state-root-mismatch',
          height,
          signerId: event.signerId,
          detail: `signer ${event.signerId} signed ${event.headerHash}, the certified header is ${event.certifiedHash}`,
          accounts,
        });
      } else if (event.kind === 'equivocation') {
        await this.onEquivocation(event.evidence);
      } else {
        await this.alarm({
          v: 1,
          kind: 'no-quorum',
          height,
          signerId: this.settings.signerId,
          detail: `no header can reach the quorum of ${this.engine.quorum}: ${JSON.stringify(event.hashes)}`,
          accounts: [],
        });
      }
    }
  }

  /**
   * A signer signed two different headers at one height. The evidence is stored before the alarm goes out,
   * so that an alarm always has its evidence in the database of the signer that raised it. Every signer
   * reads the same votes and raises the same alarm, each with its own copy of the evidence.
   */
  private async onEquivocation(evidence: EquivocationEvidence): Promise<void> {
    await this.repository.saveEquivocation(evidence);
    await this.alarm({
      v: 1,
      kind: 'equivocation',
      height: evidence.height,
      signerId: evidence.signerId,
      detail: `signer ${evidence.signerId} signed ${evidence.first.headerHash} and ${evidence.second.headerHash} at height ${evidence.height}`,
      accounts: [],
      evidence,
    });
  }

  private async onCertified(event: Extract<TallyEvent, { kind: 'certified' }>): Promise<void> {
    const { certificate } = event;
    const mine = this.recent.get(certificate.height);
    if (!mine) return;
    if (mine.headerHash !== certificate.headerHash) {
      // This node is the one that disagrees: it says so loudly, and does not store a certificate for a
      // header it did not compute.
      await this.alarm({
        v: 1,
        kind: 'state-root-mismatch',
        height: certificate.height,
        signerId: this.settings.signerId,
        detail: `this signer computed ${mine.headerHash}, the quorum certified ${certificate.headerHash}`,
        accounts: differingAccounts(
          this.quorum?.votesOf(certificate.height).find((v) => v.headerHash === certificate.headerHash)
            ?.changedAccounts ?? [],
          mine.changedAccounts,
        ),
      });
      return;
    }
    // The votes counted so far (the certificate's and any dissent) go in with it, in one statement.
    await this.repository.saveCertificate(certificate, this.quorum?.votesOf(certificate.height) ?? []);
    if (certificate.height > this.certifiedHeight) {
      this.certifiedHeight = certificate.height;
      this.finalityMoved();
    }
    this.quorum?.prune(this.certifiedHeight - RECENT_BLOCKS);
    this.metrics.certified.set(this.certifiedHeight);
    // A block certified again from the votes after a restart may have been published already: every signer
    // of its certificate, the first voter too, waits for the notice and publishes only without one.
    const replayed = certificate.height <= this.recoveredCertifiedHeight;
    if (event.firstVoter === this.settings.signerId && !replayed) {
      if (!this.settings.silentPublisher) await this.publishFinalized(certificate, mine);
      return;
    }
    // The first voter publishes; should it fail to, the other certificate signers take over in certificate
    // order, each after a longer wait, unless the publisher's notice has come on the votes topic by then.
    const position =
      certificate.signatures.findIndex((s) => s.signerId === this.settings.signerId) + (replayed ? 1 : 0);
    if (position <= 0) return;
    const timer = setTimeout(() => {
      this.fallbackTimers.delete(timer);
      if (this.publishedHeights.has(certificate.height) || this.stopped) return;
      this.log.warn(
        { height: certificate.height },
        'finalized block not published by its first voter; publishing it',
      );
      void this.publishFinalized(certificate, mine).catch((e) => this.fail(e));
    }, position * FALLBACK_PUBLISH_MS);
    this.fallbackTimers.add(timer);
  }

  private async publishFinalized(
    certificate: {
      height: number;
      headerHash: string;
      signatures: { signerId: string; signature: string }[];
    },
    mine: RecentBlock,
  ): Promise<void> {
    const block = mine.block;
    if (!block) return;
    const rest: Omit<FinalizedBlock, 'outcomes' | 'postings'> = {
      v: 1,
      header: block.header,
      headerHash: block.headerHash,
      certificate: certificate.signatures,
      participants: block.participantsChanged,
      accounts: block.changedAccounts.map((a) => ({
        id: a.id,
        participantId: a.participantId,
        currency: a.currency,
        kind: a.kind,
        balanceMinor: a.balanceMinor.toString(),
        reservedMinor: a.reservedMinor.toString(),
        ...(a.limit.kind === 'unlimited' ? {} : { limit: a.limit }),
      })),
      moves: blockMoves(block.entries, (id) => this.engine.accounts.get(id)),
      proposals: proposalOutcomes(block.entries),
      // A signer set sealed in block h votes from h + 1 on; the genesis block's from block 1.
      ...(block.signerSet
        ? {
            signerSet: {
              ...block.signerSet,
              fromHeight: block.header.height === 1 ? 1 : block.header.height + 1,
            },
          }
        : {}),
    };
    // Every entry's outcomes and postings in ledger order, as the texts the engine wrote for the entry
    // hashes (canonical JSON, amounts as strings), not serialized again.
    const finalized = finalizedJson(
      rest,
      concatJsonArrays(block.entries.map((e) => e.outcomesJson)),
      concatJsonArrays(block.entries.map((e) => e.postingsJson)),
    );
    // About three times the size of the block's log records, and mostly repeated keys and ids: gzip keeps
    // a block at the size bound well under Kafka's 1 MB message limit.
    await sendJson(
      this.producer,
      this.topic('ledgerFinalized'),
      [{ key: String(block.header.height), value: finalized }],
      { gzip: true },
    );
    const notice: PublishedNotice = {
      v: 1,
      type: 'published',
      height: block.header.height,
      signerId: this.settings.signerId,
    };
    await sendJson(this.producer, this.topic('ledgerVotes'), [
      { key: `published:${block.header.height}`, value: notice },
    ]);
  }

  private async alarm(alarm: Alarm): Promise<void> {
    this.metrics.alarms.inc({ kind: alarm.kind });
    this.log.error({ alarm }, 'reconciliation alarm');
    await sendJson(this.producer, this.topic('ledgerAlarms'), [{ key: String(alarm.height), value: alarm }]);
  }

  /**
   * Proposes to cut the open block once it has been open for a cut interval since the last block sealed
   * (two under heavy traffic). The signer whose turn it is (height modulo signer count) proposes then; the
   * others only when the block stayed open for three more intervals, so that a stopped signer never stalls
   * the chain and a running network does not write four markers per block. Measuring from the last seal,
   * not from each node's own timer, makes blocks at moderate load span the interval instead of whatever
   * was left of the cutter's timer period: fewer blocks for the same traffic (each block costs every
   * signer, the gateway, clearing, Kafka and PostgreSQL a fixed amount of work).
   */
  private async maybeCut(): Promise<void> {
    if (this.stopped || !this.engine.hasGenesis) return;
    // Nothing open: a cut is still worth proposing when a reservation is due, so that it is released
    // without waiting for other traffic (the ledger judges "due" by the cut's own log time).
    // Should the broker's clock lag this node's, such a cut may seal a block that expires nothing yet:
    // each further one for the same expiry waits twice as long as the one before.
    const lone = this.engine.openEntryCount === 0;
    const nextExpiryMs = lone ? this.engine.nextExpiryMs() : null;
    if (lone) {
      if (nextExpiryMs === null) return;
      if (nextExpiryMs !== this.expiryCut.forMs) this.expiryCut = { forMs: nextExpiryMs, tries: 0 };
      const backOffMs =
        this.expiryCut.tries === 0 ? 0 : this.settings.cutIntervalMs * 2 ** this.expiryCut.tries;
      if (nextExpiryMs + backOffMs > Date.now()) return;
    }
    const height = this.engine.height;
    const myTurn = this.cutTurn(height) === this.settings.signerId;
    const now = Date.now();
    // While the last sealed block waits for its quorum, the next one keeps filling: under load blocks grow
    // with the time a certification takes, so the fixed cost of a block (storing it on every signer,
    // votes, publishing, applying it downstream) is shared by more transfers. A quorum that does not come
    // stops this after UNCERTIFIED_WAIT_MAX_MS, so that cutting never stalls.
    const uncertified = height - 1 - this.certifiedHeight;
    if (uncertified >= MAX_UNCERTIFIED_BLOCKS && now - this.lastSealedAtMs < UNCERTIFIED_WAIT_MAX_MS) return;
    // One interval since the last seal, two under heavy traffic (see minOpenMs).
    if (now - this.lastSealedAtMs < minOpenMs(this.engine.openBlockFill, this.settings.cutIntervalMs)) return;
    if (this.lastCutSent === height && now - this.lastCutAtMs < this.settings.cutIntervalMs * 3) return;
    if (!myTurn && this.lastCutSent !== height) {
      this.lastCutSent = height;
      this.lastCutAtMs = now;
      return;
    }
    this.lastCutSent = height;
    this.lastCutAtMs = now;
    if (lone) this.expiryCut.tries = Math.min(this.expiryCut.tries + 1, 10);
    await sendJson(this.producer, this.topic('ledgerCommands'), [{ value: { v: 1, type: 'cut', height } }]);
  }

  /**
   * Whose turn it is to propose the cut of block `height`: the signer at `height` modulo the signer count,
   * or, when that one's vote for the last sealed block has not come, the next one in order whose vote has.
   * A signer that is down thus costs the blocks of its turns no wait: the others see alike that it did not
   * vote (or each proposes once, which the engine takes as one cut).
   */
  private cutTurn(height: number): string {
    const signers = this.engine.signers;
    const voted = new Set((this.quorum?.votesOf(height - 1) ?? []).map((v) => v.signerId));
    const first = height % signers.length;
    if (voted.size === 0) return signers[first].id;
    for (let i = 0; i < signers.length; i++) {
      const candidate = signers[(first + i) % signers.length].id;
      if (voted.has(candidate)) return candidate;
    }
    return signers[first].id;
  }

  /**
   * The engine's state has moved on once a record is applied, so a failure to store or sign a block cannot
   * be retried in place: this run of the signer stops, and its supervisor starts a new one from the
   * database, which holds only whole blocks.
   */
  private async orFail(fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (error) {
      this.fail(error);
    }
  }

  private fail(error: unknown): void {
    if (this.failed) return;
    this.failed = true;
    this.stopped = true;
    if (this.cutTimer) clearInterval(this.cutTimer);
    this.onFailure(error);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.cutTimer) clearInterval(this.cutTimer);
    for (const timer of this.fallbackTimers) clearTimeout(timer);
    await Promise.all([this.commandsConsumer?.disconnect(), this.votesConsumer?.disconnect()]);
  }
}
