import type { ConcordClient } from '@concord/sdk';

/** How a simulated payout partner behaves with each reserved transfer it is paid. */
export interface PartnerBehaviour {
  /** Share of payouts it fails (aborts), 0..1. */
  failRate: number;
  /** How long it takes to pay out (or to give up). */
  payoutMs: number;
  /** Share of payouts it never answers at all (routing must abort on time), 0..1. */
  silentRate?: number;
}

/** What happened to each transfer a simulated partner saw: its decision, for the oracle of the bench. */
export type Decision = 'fulfil' | 'abort' | 'silent';

/**
 * A payout partner on the real network: it polls the gateway for two-phase transfers reserved to it and
 * fulfils or aborts each one after its payout time, as a real partner's back office would once the payout
 * went through or failed. The decision is drawn from `random(transferId)`, so that a seeded run repeats and
 * a bench's oracle can know it in advance.
 */
export class SimulatedPartner {
  readonly decisions = new Map<string, Decision>();
  private timer: NodeJS.Timeout | null = null;
  private polling = false;
  private readonly pending = new Set<Promise<unknown>>();

  constructor(
    readonly id: string,
    private readonly client: ConcordClient,
    private readonly behaviour: PartnerBehaviour,
    private readonly random: (transferId: string) => number = () => Math.random(),
    private readonly pollMs = 100,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.poll(), this.pollMs);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await Promise.all(this.pending);
  }

  /** Decides a transfer once; the first decision stands (the oracle of the bench reads it). */
  decide(transferId: string): Decision {
    const known = this.decisions.get(transferId);
    if (known) return known;
    const draw = this.random(transferId);
    const silent = this.behaviour.silentRate ?? 0;
    const decision: Decision =
      draw < silent ? 'silent' : draw < silent + this.behaviour.failRate ? 'abort' : 'fulfil';
    this.decisions.set(transferId, decision);
    return decision;
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const { status, body } = await this.client.listTransfers({
        role: 'payee',
        status: 'reserved',
        limit: 200,
      });
      if (status !== 200) return;
      for (const t of body.transfers) {
        if (this.decisions.has(t.id)) continue;
        const decision = this.decide(t.id);
        if (decision === 'silent') continue;
        const done = new Promise((resolve) => setTimeout(resolve, this.behaviour.payoutMs)).then(() =>
          decision === 'fulfil'
            ? this.client.fulfilTransfer(t.id, { payer: t.payer })
            : this.client.abortTransfer(t.id, { payer: t.payer }),
        );
        this.pending.add(done);
        void done.catch(() => undefined).finally(() => this.pending.delete(done));
      }
    } catch {
      // The gateway restarting or busy: the next poll tries again.
    } finally {
      this.polling = false;
    }
  }
}
