import type { OverviewResponse, SignerView } from '@concord/contracts';
import type { OperatorApiClient } from '../http/operator-api.client';
import type { AlarmsRepository } from '../alarms/alarms.repository';
import type { DependencyMonitor } from '../events/dependency.monitor';
import { ExplorerRepository } from './explorer.repository';
import { ReadModelRepository, signerSetAt } from './read-model.repository';

/** Lag beyond which a signer that still votes is shown down. */
const MAX_LAG = 5;

/** Each signer of the current set with its last vote, lag and whether it is up. */
export function signerViews(
  set: { signers: { id: string; publicKey: string }[] } | null,
  votes: { id: string; last_vote_height: number | null; last_vote_at: Date | null }[],
  certifiedHeight: number | null,
  downAfterMs: number,
  now = Date.now(),
): SignerView[] {
  const byId = new Map(votes.map((v) => [v.id, v]));
  return (set?.signers ?? []).map((s) => {
    const v = byId.get(s.id);
    const lag =
      certifiedHeight === null || v?.last_vote_height == null
        ? null
        : Math.max(0, certifiedHeight - v.last_vote_height);
    const recent = v?.last_vote_at != null && now - v.last_vote_at.getTime() <= downAfterMs;
    return {
      id: s.id,
      publicKey: s.publicKey,
      lastVoteHeight: v?.last_vote_height ?? null,
      lastVoteAt: v?.last_vote_at?.toISOString() ?? null,
      certifiedHeight,
      lag,
      up: recent && lag !== null && lag <= MAX_LAG,
      inSignerSet: true,
    };
  });
}

/** The overview and signers pages, made of the read model, the alarms and the clearing service. */
export class ExplorerService {
  constructor(
    private readonly readModel: ReadModelRepository,
    private readonly explorer: ExplorerRepository,
    private readonly alarms: AlarmsRepository,
    private readonly clearing: OperatorApiClient,
    private readonly dependencies: DependencyMonitor,
    private readonly signerDownAfterMs: number,
  ) {}

  async signers(): Promise<{ signers: SignerView[]; quorum: number }> {
    const chain = await this.readModel.chain();
    const set = chain ? signerSetAt(chain.signerSets, chain.height + 1) : null;
    const height = chain && chain.height >= 0 ? chain.height : null;
    return {
      signers: signerViews(set, await this.explorer.signerVotes(), height, this.signerDownAfterMs),
      quorum: set?.quorum ?? 0,
    };
  }

  private async openWindows(): Promise<number> {
    try {
      const { windows } = await this.clearing.call<{ windows: unknown[] }>(
        'GET',
        '/windows?status=open&limit=500',
      );
      return windows.length;
    } catch {
      return 0;
    }
  }

  async overview(): Promise<OverviewResponse> {
    const [chain, signers, throughput, activeAlarms, openWindows] = await Promise.all([
      this.readModel.chain(),
      this.signers(),
      this.explorer.throughput(),
      this.alarms.activeCount(),
      this.openWindows(),
    ]);
    const genesis = chain?.genesis as { governanceThreshold?: number } | undefined;
    return {
      chain:
        chain && chain.headerHash && chain.blockTime
          ? {
              chainId: chain.chainId,
              height: chain.height,
              headerHash: chain.headerHash,
              blockTime: chain.blockTime.toISOString(),
              quorum: signers.quorum,
              governanceThreshold: genesis?.governanceThreshold ?? 1,
            }
          : null,
      signers: signers.signers,
      transfersPerSecond: Math.round((throughput.lastMinute / 60) * 10) / 10,
      throughput: throughput.buckets,
      finalityLatencyMs: { p50: throughput.p50, p99: throughput.p99 },
      openWindows,
      activeAlarms,
      dependencies: this.dependencies.current(),
    };
  }
}
