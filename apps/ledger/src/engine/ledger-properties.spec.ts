import fc from 'fast-check';
import type { GovernanceAction } from '@concord/contracts';
import { governanceCommand, settlementCommand } from '../../../../libs/devtools/src/demo/consortium';
import { generateWorkload, LogBuilder, makeSpec, prng } from './engine.fixtures';
import { LedgerEngine } from './ledger-engine';

/**
 * Properties over the whole instruction set, not only transfers: a mixed workload (single, batch,
 * two-phase and cross-currency transfers with signed quotes, and the partners' mistakes) interleaved at
 * random with governance (limit changes, prefunding in and out, suspensions) and clearing's settlement
 * postings. Small amounts against tight funds and caps, so that limits are actually reached.
 */
const SPEC = makeSpec({
  chainId: 'properties',
  participants: 5,
  currencies: (i) => (i === 1 ? ['USD', 'PHP', 'EUR'] : i === 4 ? ['USD'] : ['USD', 'PHP']),
  fundsMinor: (i) => (i === 1 ? 10_000_000n : i === 3 ? undefined : 200_000n),
  capMinor: (i) => (i === 3 ? 50_000n : undefined),
  blockMaxEntries: 40,
});
const FX_PROVIDER = 'p2';
const MEMBERS = SPEC.participants.map((p) => p.id);

/** One governance action or settlement posting, drawn from `rnd`. */
function sideCommand(rnd: () => number, n: number): object {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const participant = pick(SPEC.participants);
  const currency = pick(participant.currencies);
  const amountMinor = String(1 + Math.floor(rnd() * 150_000));
  const choice = rnd();
  if (choice < 0.45) {
    return settlementCommand(SPEC, {
      postingId: `sp-${n}`,
      participantId: participant.id,
      currency,
      direction: rnd() < 0.5 ? 'pay-in' : 'pay-out',
      amountMinor,
      reference: `bank-${n}`,
    });
  }
  const fundsOut = `g-out-${n - 1}`;
  const actions: GovernanceAction[] = [
    {
      kind: 'set-limit',
      accountId: `${participant.id}/${currency}`,
      limit: rnd() < 0.5 ? { kind: 'no-overdraft' } : { kind: 'net-debit-cap', capMinor: amountMinor },
    },
    { kind: 'funds-in', participantId: participant.id, currency, amountMinor },
    { kind: 'funds-out', participantId: participant.id, currency, amountMinor },
    { kind: 'funds-out-complete', fundsOutProposalId: fundsOut, outcome: rnd() < 0.5 ? 'paid' : 'cancelled' },
    {
      kind: 'set-participant-status',
      participantId: pick(MEMBERS.filter((m) => m !== FX_PROVIDER)),
      status: rnd() < 0.5 ? 'suspended' : 'active',
    },
  ];
  return governanceCommand(SPEC, `g-${n}`, pick(actions));
}

/**
 * The genesis, the workload, and side commands spliced in after workload records at random. Cut markers
 * are written again by this log's own builder, which predicts the heights of the spliced log.
 */
function buildLog(seed: number, sideShare: number): LogBuilder {
  const workload = new LogBuilder(SPEC);
  workload.genesis();
  generateWorkload(workload, {
    seed,
    instructions: 120,
    fxProvider: FX_PROVIDER,
    minBatch: 2,
    maxBatch: 12,
    maxAmountMinor: 60_000,
    cutEvery: 15,
    cutAdvanceMs: 400,
  });
  const rnd = prng(seed ^ 0x5eed);
  const log = new LogBuilder(SPEC);
  workload.records.forEach((record, i) => {
    log.nowMs = record.timestampMs;
    // The genesis and cut markers are written by this log's builder, which then predicts block heights.
    const type = (JSON.parse(record.value) as { type?: string }).type;
    if (i === 0) log.genesis();
    else if (type === 'cut') log.cut();
    else log.raw(record.value);
    if (i > 0 && rnd() < sideShare) log.raw(JSON.stringify(sideCommand(rnd, i)));
  });
  log.cut();
  return log;
}

/** What a position account has available (balance less reservations), by account id. */
function available(engine: LedgerEngine): Map<string, bigint> {
  const out = new Map<string, bigint>();
  for (const a of engine.accounts.values()) {
    if (a.kind === 'position') out.set(a.id, a.balanceMinor - a.reservedMinor);
  }
  return out;
}

describe('LedgerEngine properties with FX, governance and settlement', () => {
  it('keeps every currency at zero after every block, and never takes a position past its limit', () => {
    const seen = { fxSpreads: 0, governance: 0, settlement: 0, limitRefusals: 0, debitsChecked: 0 };
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        fc.double({ min: 0.05, max: 0.4 }),
        (seed, share) => {
          const engine = new LedgerEngine();
          for (const record of buildLog(seed, share).records) {
            const before = available(engine);
            const block = engine.apply(record);
            // A record that lowered what a position has available (a debit or a reservation) must leave it at
            // or above its floor. A limit tightened below a balance moves no money, so only records that
            // took something are judged, against the floor in force after them. Settlement postings are
            // not judged: they book what the settlement bank already moved (say, the pay-out of a window's
            // net credit that the participant has spent since), which the ledger records whatever the
            // position; a position below its floor then refuses the participant's debits until it recovers.
            const settlement = (JSON.parse(record.value) as { type?: string }).type === 'settlement';
            for (const [id, now] of settlement ? [] : available(engine)) {
              const was = before.get(id);
              const floor = engine.accounts.get(id)!.floorMinor;
              if (was === undefined || now >= was || floor === null) continue;
              seen.debitsChecked += 1;
              if (now < floor)
                throw new Error(`${id}: available ${now} below its floor ${floor} (was ${was})`);
            }
            // Reservations held by transfers never exceed what the accounts hold reserved (the rest is
            // withdrawals being paid out).
            const reservedBy = new Map<string, bigint>();
            for (const t of engine.transfers.values()) {
              if (t.status !== 'reserved') continue;
              for (const r of t.reservations ?? [])
                reservedBy.set(r.accountId, (reservedBy.get(r.accountId) ?? 0n) + r.amountMinor);
            }
            for (const [id, held] of reservedBy)
              expect(engine.accounts.get(id)!.reservedMinor >= held).toBe(true);
            if (!block) continue;
            for (const total of engine.totalsByCurrency().values()) expect(total).toBe(0n);
            for (const account of block.changedAccounts) {
              expect(account.balanceMinor).toBe(engine.accounts.get(account.id)!.balanceMinor);
            }
            for (const entry of block.entries) {
              if (entry.kind === 'governance' && !entry.rejection) seen.governance += 1;
              if (entry.kind === 'settlement' && entry.postings.length > 0) seen.settlement += 1;
              seen.fxSpreads += entry.postings.filter((p) => p.transferId.endsWith(':spread')).length;
              for (const o of entry.outcomes) if (o.reason === 'INSUFFICIENT_FUNDS') seen.limitRefusals += 1;
            }
          }
          expect(engine.openEntryCount).toBe(0);
        },
      ),
      { numRuns: 25 },
    );
    // The runs exercised what they are about.
    for (const [what, count] of Object.entries(seen)) expect([what, count > 0]).toEqual([what, true]);
  });
});
