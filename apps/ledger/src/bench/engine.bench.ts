/**
 * Throughput of the deterministic LedgerEngine alone: in process, one core (the engine is synchronous
 * JavaScript, node:crypto included), no Kafka, no database, no I/O.
 *
 *   node --require tsx/cjs apps/ledger/src/bench/engine.bench.ts [--instructions 2000] [--seconds 3] [--seed 1]
 *
 * 1. Builds the whole command log first: signing is the partners' cost, not the engine's. Most of the load
 *    comes as batch submissions of 100-500 transfers under one signature (what the gateway's batch
 *    endpoint is meant to send), mixed with single transfers, two-phase transfers that are fulfilled,
 *    aborted or left to expire, and the usual mistakes (insufficient funds, unknown payee, wrong signer,
 *    retries with the same and with changed content, malformed bodies, bad signatures), and
 *    cross-currency transfers through an FX provider, each with its own signed quote (a fifth of them
 *    two-phase), so that every FX leg, spread and fee posting is in the mix; 70 % of the transfers are
 *    paid by one hot payer.
 * 2. Applies the log once to a fresh engine to warm up the JIT, then applies it again to fresh engines
 *    until at least `--seconds` of engine time were measured. Only `engine.apply` is timed; a full
 *    garbage collection runs before each pass, outside the timer.
 *
 * Transfers are the transfer outcomes of instructions (each transfer of a batch counts, rejected ones
 * too); fulfil/abort operations and the expiries that cuts cause are reported apart; cut markers are not
 * counted. The last line is `ledger engine: <n> transfers/s (1 core)`.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Presets, SingleBar } from 'cli-progress';
import { generateWorkload, LogBuilder, makeSpec, RecordKind, WorkloadPlan } from '../engine/engine.fixtures';
import type { SealedBlock } from '../engine/engine.types';
import { LedgerEngine } from '../engine/ledger-engine';

// A full collection before each pass (outside the timer), so that a pass does not pay for the garbage
// of the previous one; node runs without --expose-gc here, so the flag is set at run time.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

interface Args {
  instructions: number;
  seconds: number;
  seed: number;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { instructions: 2000, seconds: 3, seed: 1 };
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i].replace(/^--/, '');
    const value = Number(argv[i + 1]);
    if (!(name in args) || !Number.isFinite(value) || value <= 0) {
      throw new Error(`usage: engine.bench.ts [--instructions N] [--seconds S] [--seed N] (got ${argv[i]})`);
    }
    args[name as keyof Args] = value;
  }
  return args;
}

function bar(label: string): SingleBar {
  return new SingleBar(
    {
      format: `${label} [{bar}] {percentage}% | {value}/{total} {unit}`,
      stream: process.stderr,
      hideCursor: true,
    },
    Presets.shades_classic,
  );
}

/** Twelve partners in four currencies; the hot payer is p1. Two partners work on a net debit cap. */
const SPEC = makeSpec({
  chainId: 'bench-chain',
  participants: 12,
  currencies: (i) => (i % 3 === 2 ? ['USD', 'PHP'] : ['USD', 'PHP', 'HKD', 'SGD']),
  fundsMinor: (i) => (i === 0 ? 10n ** 15n : i === 5 || i === 9 ? 50_000_000n : 10n ** 13n),
  capMinor: (i) => (i === 5 || i === 9 ? 20_000_000n : undefined),
  blockMaxEntries: 1000,
});

/** The FX provider of the cross-currency transfers: it holds all four currencies. */
const FX_PROVIDER = 'p2';

function buildLog(args: Args): { log: LogBuilder; plan: WorkloadPlan } {
  const log = new LogBuilder(SPEC);
  log.genesis();
  const progress = bar('building log');
  progress.start(args.instructions, 0, { unit: 'instructions' });
  const plan = generateWorkload(log, {
    seed: args.seed,
    instructions: args.instructions,
    mix: {
      single: 30,
      batch: 25,
      twoPhase: 10,
      complete: 8,
      insufficientFunds: 4,
      unknownPayee: 3,
      wrongSigner: 3,
      duplicateSame: 4,
      duplicateModified: 3,
      malformedBody: 3,
      badSignature: 3,
      fx: 6,
    },
    fxProvider: FX_PROVIDER,
    minBatch: 100,
    maxBatch: 500,
    hotShare: 0.7,
    cutEvery: 50,
    cutAdvanceMs: 500,
    onInstruction: (done) => {
      if (done % 25 === 0) progress.update(done);
    },
  });
  progress.update(args.instructions);
  progress.stop();
  return { log, plan };
}

interface PassResult {
  ns: bigint;
  blocks: number;
  headHash: string;
  transfers: number;
  accepted: number;
  completions: number;
  expiries: number;
  commandRejections: Map<string, number>;
  transferRejections: Map<string, number>;
  nsByKind: Map<RecordKind, bigint>;
  recordsByKind: Map<RecordKind, number>;
}

const inc = <K>(map: Map<K, number>, key: K, by = 1) => map.set(key, (map.get(key) ?? 0) + by);

/** Applies the whole log to a fresh engine; only `apply` is inside the timer. */
function runPass(log: LogBuilder, progress: SingleBar | null): PassResult {
  collectGarbage();
  const engine = new LedgerEngine();
  const result: PassResult = {
    ns: 0n,
    blocks: 0,
    headHash: '',
    transfers: 0,
    accepted: 0,
    completions: 0,
    expiries: 0,
    commandRejections: new Map(),
    transferRejections: new Map(),
    nsByKind: new Map(),
    recordsByKind: new Map(),
  };
  const { records, kinds } = log;
  for (let i = 0; i < records.length; i++) {
    const started = process.hrtime.bigint();
    const sealed = engine.apply(records[i]);
    const ns = process.hrtime.bigint() - started;
    result.ns += ns;
    result.nsByKind.set(kinds[i], (result.nsByKind.get(kinds[i]) ?? 0n) + ns);
    inc(result.recordsByKind, kinds[i]);
    if (sealed) count(sealed, kinds, result);
    if (progress && i % 200 === 0) progress.update(i);
  }
  if (engine.openEntryCount !== 0) throw new Error('the log must end with a cut that seals the last block');
  return result;
}

function count(block: SealedBlock, kinds: RecordKind[], result: PassResult): void {
  result.blocks += 1;
  result.headHash = block.headerHash;
  for (const entry of block.entries) {
    const kind = kinds[Number(entry.offset)];
    if (entry.rejection) inc(result.commandRejections, entry.rejection);
    if (kind === 'transfer' || kind === 'batch') {
      result.transfers += entry.outcomes.length;
      for (const o of entry.outcomes) {
        if (o.status === 'rejected') inc(result.transferRejections, o.reason ?? 'unknown');
        else result.accepted += 1;
      }
    } else if (kind === 'fulfil' || kind === 'abort') {
      result.completions += entry.outcomes.length;
      for (const o of entry.outcomes)
        if (o.status === 'rejected') inc(result.transferRejections, o.reason ?? '');
    } else if (kind === 'cut') {
      result.expiries += entry.outcomes.length;
    }
  }
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const sorted = (map: Map<string, number>) =>
  [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${fmt(v)}`)
    .join(', ') || 'none';

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const builtAt = Date.now();
  const { log, plan } = buildLog(args);
  const buildSeconds = (Date.now() - builtAt) / 1000;

  const warm = bar('warm-up');
  warm.start(log.records.length, 0, { unit: 'records' });
  const warmup = runPass(log, warm);
  warm.update(log.records.length);
  warm.stop();

  const passes: PassResult[] = [];
  const measured = bar('measuring');
  const targetNs = BigInt(Math.round(args.seconds * 1e9));
  let totalNs = 0n;
  while (totalNs < targetNs) {
    measured.start(log.records.length, 0, { unit: `records (pass ${passes.length + 1})` });
    const pass = runPass(log, measured);
    measured.update(log.records.length);
    measured.stop();
    if (pass.headHash !== warmup.headHash || pass.transfers !== warmup.transfers) {
      throw new Error('two passes over the same log disagree: the engine is not deterministic');
    }
    passes.push(pass);
    totalNs += pass.ns;
  }

  const seconds = Number(totalNs) / 1e9;
  const transfers = passes.reduce((n, p) => n + p.transfers, 0);
  const rate = Math.floor(transfers / seconds);
  const r = warmup;
  const kinds = [...r.recordsByKind.keys()];
  const perKind = kinds
    .map((k) => {
      const ns = passes.reduce((n, p) => n + (p.nsByKind.get(k) ?? 0n), 0n);
      const records = r.recordsByKind.get(k)! * passes.length;
      return `${k} ${fmt(r.recordsByKind.get(k)!)} x ${(Number(ns) / records / 1000).toFixed(1)} us (${((Number(ns) / Number(totalNs)) * 100).toFixed(1)} %)`;
    })
    .join(', ');

  console.log(
    `log: ${fmt(log.records.length)} records built in ${buildSeconds.toFixed(1)} s (seed ${args.seed})`,
  );
  console.log(
    `  instructions ${fmt(plan.instructions)}: ${fmt(plan.batches)} batches (${fmt(plan.batchedTransfers)} transfers, ` +
      `avg ${fmt(plan.batchedTransfers / Math.max(1, plan.batches))}), ${fmt(plan.singles)} single transfers ` +
      `(${fmt(plan.twoPhase)} two-phase, ${fmt(plan.fx)} cross-currency), ${fmt(plan.fulfils)} fulfils, ${fmt(plan.aborts)} aborts, ` +
      `${fmt(plan.instructions - plan.batches - plan.singles - plan.fulfils - plan.aborts)} malformed`,
  );
  console.log(
    `  hot payer share ${((plan.hotPayerTransfers / plan.transfers) * 100).toFixed(1)} %; planned mistakes: ` +
      sorted(new Map(Object.entries(plan.mistakes))),
  );
  console.log(
    `per pass: ${fmt(r.transfers)} transfers (${fmt(r.accepted)} committed or reserved), ${fmt(r.completions)} ` +
      `fulfil/abort operations, ${fmt(r.expiries)} expiries at cuts, ${fmt(r.blocks)} blocks`,
  );
  console.log(`  rejected commands: ${sorted(r.commandRejections)}`);
  console.log(`  rejected transfers/operations: ${sorted(r.transferRejections)}`);
  console.log(`  engine time per record kind: ${perKind}`);
  console.log(
    `measured: ${passes.length} pass(es), ${seconds.toFixed(2)} s of engine.apply (warm-up ${(Number(warmup.ns) / 1e9).toFixed(2)} s), ` +
      `${fmt(Math.floor((transfers + r.completions * passes.length) / seconds))} transfers+operations/s, ` +
      `${fmt(Math.floor((log.records.length * passes.length) / seconds))} records/s`,
  );
  const perPass = passes.map((p) => fmt(p.transfers / (Number(p.ns) / 1e9))).join(', ');
  console.log(`  transfers/s per pass: ${perPass}`);
  console.log(`ledger engine: ${rate} transfers/s (1 core)`);
}

main();
