import type { FinalizedBlock, InstructionDirection } from '@concord/contracts';

/**
 * The arithmetic of clearing, pure and exact (bigint minor units): what a finalized block adds to a
 * window, the multilateral net positions, the bilateral obligations, the netting efficiency and the
 * settlement instructions. The repository stores what these functions compute.
 */

/**
 * The hub: in a finalized block's moves it never appears (prefunding, withdrawals, settlement postings and
 * scheme fees are left out by the ledger); in a window it stands for the hub's settlement account, which
 * holds the gross settlement participants' prefunding: what a gross participant pays a net one comes out
 * of it, what a net one pays a gross one goes into it. It never gets an instruction.
 */
export const HUB = 'hub';

export interface Move {
  payer: string;
  payee: string;
  currency: string;
  amountMinor: bigint;
  /** How many postings the move sums. */
  count: number;
}

/**
 * The moves of a block that clearing nets, from the block's `moves` (the ledger's postings between two
 * participants, so a cross-currency transfer counts as its legs: payer to FX provider in the source
 * currency, FX provider to payee in the target currency). A side that is a gross settlement participant
 * (`gross`, as the ledger announced it) is settled already: the ledger moved its prefunded position at
 * once. So in the window that side is replaced by the hub whose settlement account holds that prefunding,
 * and the net participant on the other side settles against it; a move between two gross participants
 * leaves nothing to net.
 */
export function settlingMoves(
  block: Pick<FinalizedBlock, 'moves'>,
  gross: ReadonlySet<string> = new Set(),
): Move[] {
  const moves: Move[] = [];
  for (const m of block.moves) {
    if (m.payer === HUB || m.payee === HUB || m.payer === m.payee) continue;
    const amountMinor = BigInt(m.amountMinor);
    if (amountMinor <= 0n) continue;
    const payer = gross.has(m.payer) ? HUB : m.payer;
    const payee = gross.has(m.payee) ? HUB : m.payee;
    if (payer === payee) continue;
    moves.push({ payer, payee, currency: m.currency, amountMinor, count: m.count });
  }
  return moves;
}

export interface GrossPosition {
  participantId: string;
  sentMinor: bigint;
  receivedMinor: bigint;
}

export interface Bilateral {
  payer: string;
  payee: string;
  amountMinor: bigint;
  count: number;
}

/** What one block adds to the window of each currency: gross positions and bilateral obligations. */
export interface CurrencyDelta {
  currency: string;
  positions: GrossPosition[];
  bilateral: Bilateral[];
}

export function blockDeltas(moves: readonly Move[]): CurrencyDelta[] {
  const byCurrency = new Map<
    string,
    { positions: Map<string, GrossPosition>; bilateral: Map<string, Bilateral> }
  >();
  for (const m of moves) {
    let c = byCurrency.get(m.currency);
    if (!c) byCurrency.set(m.currency, (c = { positions: new Map(), bilateral: new Map() }));
    const position = (id: string) => {
      let p = c!.positions.get(id);
      if (!p) c!.positions.set(id, (p = { participantId: id, sentMinor: 0n, receivedMinor: 0n }));
      return p;
    };
    position(m.payer).sentMinor += m.amountMinor;
    position(m.payee).receivedMinor += m.amountMinor;
    const key = `${m.payer}\u0000${m.payee}`;
    const b = c.bilateral.get(key) ?? { payer: m.payer, payee: m.payee, amountMinor: 0n, count: 0 };
    b.amountMinor += m.amountMinor;
    b.count += m.count;
    c.bilateral.set(key, b);
  }
  return [...byCurrency.entries()]
    .sort(([a], [b]) => compare(a, b))
    .map(([currency, c]) => ({
      currency,
      positions: [...c.positions.values()].sort((a, b) => compare(a.participantId, b.participantId)),
      bilateral: [...c.bilateral.values()].sort(
        (a, b) => compare(a.payer, b.payer) || compare(a.payee, b.payee),
      ),
    }));
}

export interface NetPosition extends GrossPosition {
  /** received - sent. */
  netMinor: bigint;
}

export interface Netting {
  positions: NetPosition[];
  /** Gross volume: the sum of everything sent. */
  grossMinor: bigint;
  /** What actually moves at settlement: the sum of the positive net positions. */
  netMovedMinor: bigint;
  /**
   * 10000 x (gross - net moved) / gross rounded to the nearest basis point (halves up); 0 when nothing was
   * sent. The exact ratio is 1 - netMovedMinor / grossMinor.
   */
  efficiencyBps: number;
}

/** Multilateral net positions of one currency's window from its gross positions. */
export function netPositions(gross: readonly GrossPosition[]): Netting {
  const positions = [...gross]
    .map((p) => ({ ...p, netMinor: p.receivedMinor - p.sentMinor }))
    .sort((a, b) => compare(a.participantId, b.participantId));
  const grossMinor = positions.reduce((sum, p) => sum + p.sentMinor, 0n);
  const netMovedMinor = positions.reduce((sum, p) => sum + (p.netMinor > 0n ? p.netMinor : 0n), 0n);
  const efficiencyBps =
    grossMinor === 0n ? 0 : Number(((grossMinor - netMovedMinor) * 20000n + grossMinor) / (2n * grossMinor));
  return { positions, grossMinor, netMovedMinor, efficiencyBps };
}

export interface PlannedInstruction {
  id: string;
  windowId: number;
  participantId: string;
  currency: string;
  direction: InstructionDirection;
  amountMinor: bigint;
  valueDate: string;
}

/** The instruction id: unique per window and participant (a window has one currency). */
export function instructionId(windowId: number, participantId: string): string {
  return `w${windowId}.${participantId}`;
}

/**
 * Settlement instructions of a closed window, in participant order: a negative net position pays in, a
 * positive one is paid out; a participant at exactly zero gets none, and neither does the hub (its net is
 * what the gross participants' prefunding paid or received: already settled by the ledger).
 */
export function settlementInstructions(
  windowId: number,
  currency: string,
  netting: Netting,
  valueDate: string,
): PlannedInstruction[] {
  return netting.positions
    .filter((p) => p.netMinor !== 0n && p.participantId !== HUB)
    .map((p) => ({
      id: instructionId(windowId, p.participantId),
      windowId,
      participantId: p.participantId,
      currency,
      direction: p.netMinor < 0n ? ('pay-in' as const) : ('pay-out' as const),
      amountMinor: p.netMinor < 0n ? -p.netMinor : p.netMinor,
      valueDate,
    }));
}

/** The value date: the UTC date of the close plus `days` calendar days. */
export function valueDateOf(closedAt: Date, days: number): string {
  return new Date(closedAt.getTime() + days * 86_400_000).toISOString().slice(0, 10);
}

/** The alarm threshold of a cap: -(cap x share), rounded toward zero. */
export function alarmThreshold(capMinor: bigint, shareBps: number): bigint {
  return -((capMinor * BigInt(shareBps)) / 10000n);
}

/**
 * The alarm's transition for a position: 'alarm' when it goes below the threshold while armed, 'clear'
 * (re-arm) when it is back at or above it while alarmed, otherwise nothing.
 */
export function alarmTransition(
  positionMinor: bigint,
  thresholdMinor: bigint,
  alarmed: boolean,
): 'alarm' | 'clear' | null {
  if (!alarmed && positionMinor < thresholdMinor) return 'alarm';
  if (alarmed && positionMinor >= thresholdMinor) return 'clear';
  return null;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
