/**
 * Fixtures for the LedgerEngine specs and the engine bench: consortium specs, cheap request signing (keys
 * are derived once and cached), a log builder with a deterministic fake clock, a small operation language
 * shared by the property tests and a seeded generator of a realistic mixed workload.
 *
 * Nothing here reads a clock or draws unseeded randomness: the same options always build the same log.
 */
import {
  Clearance,
  convertMinor,
  formatRatio,
  FX_QUOTE_ROUNDING,
  FxQuote,
  GenesisCommand,
  InstructionCommand,
  quoteSigningPayload,
  TransferInstruction,
  UnsignedFxQuote,
} from '@concord/contracts';
import { signatureBase, signBytes, SignedRequestParts, SigningKey } from '@concord/crypto';
import { formatAmount, parseAmount } from '@concord/money';
import {
  buildGenesis,
  ConsortiumSpec,
  fxKey,
  participantKey,
} from '../../../../libs/devtools/src/demo/consortium';
import type { LogRecord } from './engine.types';

export { governanceCommand, settlementCommand } from '../../../../libs/devtools/src/demo/consortium';

/** Start of the fake clock: a fixed instant (2027-01-15), so that every run builds byte-identical logs. */
export const FIXTURE_START_MS = 1_800_000_000_000;

// ---------------------------------------------------------------------------------------------------------
// Consortium specs
// ---------------------------------------------------------------------------------------------------------

export type PerParticipant<T> = T | ((index: number, id: string) => T);

export interface SpecOptions {
  chainId?: string;
  secret?: string;
  /** Number of participants, named p1..pN; default 4. */
  participants?: number;
  /** Currencies of every participant (or per participant); default USD and PHP. */
  currencies?: PerParticipant<string[]>;
  /** Opening funds per currency; undefined for none. Default 1,000,000.00 in minor units of 2 decimals. */
  fundsMinor?: PerParticipant<bigint | undefined>;
  /** Net debit cap; undefined for no-overdraft (the default). */
  capMinor?: PerParticipant<bigint | undefined>;
  /** How each settles; undefined for net (the default). */
  settlement?: PerParticipant<'net' | 'gross' | undefined>;
  blockMaxEntries?: number;
  signerCount?: number;
  quorum?: number;
}

export function participantIds(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `p${i + 1}`);
}

function pick<T>(value: PerParticipant<T>, index: number, id: string): T {
  return typeof value === 'function' ? (value as (index: number, id: string) => T)(index, id) : value;
}

export function makeSpec(options: SpecOptions = {}): ConsortiumSpec {
  const count = options.participants ?? 4;
  const currencies = options.currencies ?? ['USD', 'PHP'];
  const funds = 'fundsMinor' in options ? options.fundsMinor : 100_000_000n;
  return {
    chainId: options.chainId ?? 'fixture-chain',
    secret: options.secret ?? 'fixture-secret-not-secret',
    signerCount: options.signerCount ?? 4,
    quorum: options.quorum ?? 3,
    blockMaxEntries: options.blockMaxEntries ?? 1000,
    participants: participantIds(count).map((id, i) => ({
      id,
      name: `Participant ${id}`,
      currencies: pick(currencies, i, id),
      fundsMinor: pick(funds, i, id),
      capMinor: options.capMinor === undefined ? undefined : pick(options.capMinor, i, id),
      ...(options.settlement === undefined ? {} : { settlement: pick(options.settlement, i, id) }),
    })),
  };
}

/** The genesis record value of a spec; `blockMaxEntries` of the spec is honoured. */
export function genesisOf(spec: ConsortiumSpec, override: Partial<GenesisCommand> = {}): GenesisCommand {
  return { ...buildGenesis(spec), ...override };
}

// ---------------------------------------------------------------------------------------------------------
// Signing
// ---------------------------------------------------------------------------------------------------------

const keyCache = new Map<string, { keyId: string; key: SigningKey }>();

/** The participant's derived key (keyId `<id>-1`); derived once per secret and participant. */
export function cachedParticipantKey(spec: Pick<ConsortiumSpec, 'secret'>, participantId: string) {
  const cacheKey = `${spec.secret}\u0000${participantId}`;
  let entry = keyCache.get(cacheKey);
  if (!entry) {
    const derived = participantKey(spec, participantId);
    entry = { keyId: derived.keyId, key: derived.key };
    keyCache.set(cacheKey, entry);
  }
  return entry;
}

export interface SignOptions {
  /** Whose key signs (the key id stays the instructing participant's); another one: INVALID_SIGNATURE. */
  signWith?: string;
  /** The key id sent; default the signing participant's `<id>-1`. */
  keyId?: string;
  /** Changes the request after it was signed (tampering). */
  tamper?: (request: SignedRequestParts) => SignedRequestParts;
}

export function signInstruction(
  spec: Pick<ConsortiumSpec, 'secret'>,
  participantId: string,
  request: Omit<SignedRequestParts, 'keyId'> & { keyId?: string },
  options: SignOptions = {},
): InstructionCommand {
  // The key id sent is the instructing participant's own, so that a foreign key gives a bad signature.
  const own = cachedParticipantKey(spec, participantId);
  const signing = options.signWith ? cachedParticipantKey(spec, options.signWith) : own;
  const parts: SignedRequestParts = { ...request, keyId: options.keyId ?? request.keyId ?? own.keyId };
  const signature = signBytes(signing.key, signatureBase(parts));
  const sent = options.tamper ? options.tamper(parts) : parts;
  return {
    v: 1,
    type: 'instruction',
    participantId,
    request: {
      method: 'POST',
      path: sent.path,
      ...(sent.query ? { query: sent.query } : {}),
      body: sent.body,
      created: sent.created,
      keyId: sent.keyId,
    },
    signature,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Log builder
// ---------------------------------------------------------------------------------------------------------

/** What a record was built as; the bench uses it to tell transfers from completions without parsing. */
export type RecordKind = 'genesis' | 'cut' | 'transfer' | 'batch' | 'fulfil' | 'abort' | 'other';

export interface InstructionOptions extends SignOptions {
  /** `created` of the signed request in unix seconds; default the fake clock's current second. */
  created?: number;
  /** The signed query string, without its `?` (a fulfil's `payer=...`). */
  query?: string;
  /** The compliance clearances sent with the instruction (outside the signed request). */
  clearances?: Clearance[];
}

export interface LogBuilderOptions {
  startMs?: number;
  /** How far the fake clock moves per record; default 1 ms. */
  stepMs?: number;
}

/**
 * Builds a command log: offsets from 0, timestamps from a fake clock that moves `stepMs` per record.
 * It also predicts which block is open, with the engine's own sealing rules (the genesis seals alone, the
 * size bound from the genesis, a cut seals the open height when it holds entries), so that `cut()` can
 * target the right height without running an engine. Records appended with `raw()` count as entries,
 * so they must not be cuts or genesis commands.
 */
export class LogBuilder {
  readonly records: LogRecord[] = [];
  readonly kinds: RecordKind[] = [];
  /** The open height predicted after each record, index for index with `records`. */
  readonly openHeights: number[] = [];
  nowMs: number;
  readonly stepMs: number;
  private nextOffset = 0n;
  private predictedHeight = 1;
  private predictedOpen = 0;
  private genesisApplied = false;
  private blockMaxEntries = Number.MAX_SAFE_INTEGER;
  private blockMaxBytes = Number.MAX_SAFE_INTEGER;
  private predictedBytes = 0;

  constructor(
    readonly spec: ConsortiumSpec,
    options: LogBuilderOptions = {},
  ) {
    this.nowMs = options.startMs ?? FIXTURE_START_MS;
    this.stepMs = options.stepMs ?? 1;
  }

  /** The height the engine will have open after the records built so far. */
  get openHeight(): number {
    return this.predictedHeight;
  }

  /** How many entries the open block will hold. */
  get openEntries(): number {
    return this.predictedOpen;
  }

  get nowSeconds(): number {
    return Math.floor(this.nowMs / 1000);
  }

  advance(ms: number): this {
    this.nowMs += ms;
    return this;
  }

  /**
   * Appends a record and predicts its effect on the open block: `entry` adds one entry (and may seal by
   * size), `genesis` seals the genesis block (or is one refused entry when a genesis was applied before),
   * `cut` seals the open block (its own entry at least) when it targets the open height.
   */
  private append(
    value: string,
    kind: RecordKind,
    effect: 'entry' | 'genesis' | 'cut',
    arg: number | { maxEntries: number; maxBytes: number } = 0,
  ): LogRecord {
    const record: LogRecord = { offset: this.nextOffset, timestampMs: this.nowMs, value };
    this.nextOffset += 1n;
    this.nowMs += this.stepMs;
    this.records.push(record);
    this.kinds.push(kind);
    if (effect === 'genesis' && !this.genesisApplied && typeof arg === 'object') {
      this.genesisApplied = true;
      this.blockMaxEntries = arg.maxEntries;
      this.blockMaxBytes = arg.maxBytes;
      this.sealPredicted();
    } else if (effect === 'cut') {
      if (this.genesisApplied && arg === this.predictedHeight) this.sealPredicted();
    } else {
      this.predictedOpen += 1;
      this.predictedBytes += value.length;
      if (this.predictedOpen >= this.blockMaxEntries || this.predictedBytes >= this.blockMaxBytes) {
        this.sealPredicted();
      }
    }
    this.openHeights.push(this.predictedHeight);
    return record;
  }

  private sealPredicted(): void {
    this.predictedHeight += 1;
    this.predictedOpen = 0;
    this.predictedBytes = 0;
  }

  /** Any value, for malformed commands; counted as one entry of the open block. */
  raw(value: string): LogRecord {
    return this.append(value, 'other', 'entry');
  }

  genesis(override: Partial<GenesisCommand> = {}): LogRecord {
    const genesis = genesisOf(this.spec, override);
    return this.append(JSON.stringify(genesis), 'genesis', 'genesis', {
      maxEntries: genesis.blockMaxEntries,
      maxBytes: genesis.blockMaxBytes,
    });
  }

  /** A cut marker for `height` (default: the open height). */
  cut(height = this.predictedHeight): LogRecord {
    return this.append(JSON.stringify({ v: 1, type: 'cut', height }), 'cut', 'cut', height);
  }

  /** A signed instruction; `body` is sent as given when it is a string, else as its JSON text. */
  instruction(
    participantId: string,
    path: string,
    body: string | object,
    options: InstructionOptions = {},
    kind: RecordKind = 'other',
  ): LogRecord {
    const command = signInstruction(
      this.spec,
      participantId,
      {
        method: 'POST',
        path,
        ...(options.query ? { query: options.query } : {}),
        body: typeof body === 'string' ? body : JSON.stringify(body),
        created: options.created ?? this.nowSeconds,
      },
      options,
    );
    const sent = options.clearances ? { ...command, clearances: options.clearances } : command;
    return this.append(JSON.stringify(sent), kind, 'entry');
  }

  /** One transfer, instructed by its payer unless `signer` says otherwise. */
  transfer(t: TransferInstruction, options: InstructionOptions & { signer?: string } = {}): LogRecord {
    return this.instruction(options.signer ?? t.payer, '/v1/transfers', t, options, 'transfer');
  }

  batch(signer: string, transfers: TransferInstruction[], options: InstructionOptions = {}): LogRecord {
    return this.instruction(signer, '/v1/transfer-batches', { transfers }, options, 'batch');
  }

  fulfil(signer: string, transferId: string, options: InstructionOptions = {}): LogRecord {
    return this.instruction(signer, `/v1/transfers/${transferId}/fulfil`, '', options, 'fulfil');
  }

  abort(signer: string, transferId: string, options: InstructionOptions = {}): LogRecord {
    return this.instruction(signer, `/v1/transfers/${transferId}/abort`, '', options, 'abort');
  }
}

// ---------------------------------------------------------------------------------------------------------
// Operations: a tiny language for generated logs (fast-check and the seeded workload both emit it)
// ---------------------------------------------------------------------------------------------------------

export type Op =
  | { kind: 'transfer'; signer: string; transfer: TransferInstruction; forgeWith?: string }
  | { kind: 'batch'; signer: string; transfers: TransferInstruction[] }
  | { kind: 'fulfil' | 'abort'; signer: string; transferId: string }
  | { kind: 'malformed'; signer: string; body: string }
  | { kind: 'garbage'; value: string }
  | { kind: 'cut'; stale?: boolean }
  | { kind: 'advance'; ms: number };

export function emitOp(log: LogBuilder, op: Op): void {
  switch (op.kind) {
    case 'transfer':
      log.transfer(op.transfer, { signer: op.signer, signWith: op.forgeWith });
      return;
    case 'batch':
      log.batch(op.signer, op.transfers);
      return;
    case 'fulfil':
      log.fulfil(op.signer, op.transferId);
      return;
    case 'abort':
      log.abort(op.signer, op.transferId);
      return;
    case 'malformed':
      log.instruction(op.signer, '/v1/transfers', op.body);
      return;
    case 'garbage':
      log.raw(op.value);
      return;
    case 'cut':
      log.cut(op.stale ? Math.max(1, log.openHeight - 1) : log.openHeight);
      return;
    case 'advance':
      log.advance(op.ms);
      return;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Realistic workload
// ---------------------------------------------------------------------------------------------------------

/** A small, fast, seeded PRNG (mulberry32): deterministic across runs and machines. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Relative weights of the kinds of instruction the workload draws from. */
export interface WorkloadMix {
  single: number;
  batch: number;
  twoPhase: number;
  complete: number;
  insufficientFunds: number;
  unknownPayee: number;
  wrongSigner: number;
  duplicateSame: number;
  duplicateModified: number;
  malformedBody: number;
  badSignature: number;
  /** Cross-currency transfers with a signed quote (only with `fxProvider`): a fifth of them two-phase. */
  fx: number;
}

export const DEFAULT_MIX: WorkloadMix = {
  single: 40,
  batch: 15,
  twoPhase: 12,
  complete: 10,
  insufficientFunds: 4,
  unknownPayee: 3,
  wrongSigner: 3,
  duplicateSame: 4,
  duplicateModified: 3,
  malformedBody: 3,
  badSignature: 3,
  fx: 6,
};

/**
 * A quote of the consortium's FX key for `sendMinor` of `source` into `target` at a fixed mid rate of 3/2
 * less 50 bp spread, with a 0.1 % fee (at least one minor unit): consistent in every field, so that the
 * engine accepts it exactly as it would a quote of the FX service.
 */
export function fixtureQuote(
  spec: Pick<ConsortiumSpec, 'secret'>,
  fields: { id: string; provider: string; payer: string; payee: string; source: string; target: string },
  sendMinor: bigint,
  createdAtMs: number,
): FxQuote {
  const mid = { num: 3n, den: 2n };
  const spreadBps = 50;
  const rate = { num: mid.num * BigInt(10_000 - spreadBps), den: mid.den * 10_000n };
  const receive = convertMinor(sendMinor, rate, fields.source, fields.target);
  const fee = sendMinor / 1000n + 1n;
  const { keyId, key } = fxKey(spec);
  const unsigned: UnsignedFxQuote = {
    v: 1,
    id: fields.id,
    keyId,
    fxProvider: fields.provider,
    sourceCurrency: fields.source,
    targetCurrency: fields.target,
    payer: fields.payer,
    payee: fields.payee,
    fixedSide: 'send',
    sendAmountMinor: sendMinor.toString(),
    receiveAmountMinor: receive.toString(),
    feeMinor: fee.toString(),
    totalCostMinor: (sendMinor + fee).toString(),
    sendAmount: formatAmount(sendMinor, fields.source),
    receiveAmount: formatAmount(receive, fields.target),
    fee: formatAmount(fee, fields.source),
    totalCost: formatAmount(sendMinor + fee, fields.source),
    rate: { num: rate.num.toString(), den: rate.den.toString(), decimal: formatRatio(rate.num, rate.den) },
    midRate: { num: mid.num.toString(), den: mid.den.toString(), decimal: formatRatio(mid.num, mid.den) },
    spreadBps,
    markupBps: 0,
    rounding: FX_QUOTE_ROUNDING,
    rateSource: 'fixture',
    rateAsOfMs: createdAtMs,
    createdAtMs,
    expiresAtMs: createdAtMs + 30_000,
  };
  return { ...unsigned, signature: signBytes(key, quoteSigningPayload(unsigned)) };
}

export interface WorkloadOptions {
  seed: number;
  /** Instruction records to build (cuts and clock moves come on top). */
  instructions: number;
  mix?: Partial<WorkloadMix>;
  /** The payer of `hotShare` of the load; default the first participant. */
  hotPayer?: string;
  hotShare?: number;
  minBatch?: number;
  maxBatch?: number;
  /** A cut after this many instructions, with the clock moved by `cutAdvanceMs`. */
  cutEvery?: number;
  cutAdvanceMs?: number;
  /** Largest amount of an ordinary transfer in minor units. */
  maxAmountMinor?: number;
  /** The FX provider (holding every currency) that quotes cross-currency transfers; none without it. */
  fxProvider?: string;
  /** Prefix of the transfer ids, so that several workloads can share a log. */
  idPrefix?: string;
  /** Called after each instruction (for progress bars). */
  onInstruction?: (done: number) => void;
}

export interface WorkloadPlan {
  instructions: number;
  cuts: number;
  /** Transfers instructed, counting each transfer of a batch. */
  transfers: number;
  singles: number;
  batches: number;
  batchedTransfers: number;
  twoPhase: number;
  fulfils: number;
  aborts: number;
  /** Cross-currency transfers, each with its own quote. */
  fx: number;
  /** Instructions meant to be rejected, by the kind of mistake. */
  mistakes: Record<string, number>;
  hotPayerTransfers: number;
}

/**
 * Appends a realistic mixed workload to `log` (which must already hold the genesis): single transfers,
 * batches, two-phase transfers that are fulfilled, aborted or left to expire, and the mistakes partners
 * make (insufficient funds, unknown payee, wrong signer, retries with the same and with changed content,
 * malformed bodies, bad signatures). `hotShare` of the transfers are paid by one hot payer.
 */
export function generateWorkload(log: LogBuilder, options: WorkloadOptions): WorkloadPlan {
  const rnd = prng(options.seed);
  const mix = { ...DEFAULT_MIX, ...options.mix };
  if (!options.fxProvider) mix.fx = 0;
  const participants = log.spec.participants;
  const hot = options.hotPayer ?? participants[0].id;
  const hotShare = options.hotShare ?? 0.7;
  const minBatch = options.minBatch ?? 2;
  const maxBatch = options.maxBatch ?? 50;
  const cutEvery = options.cutEvery ?? 100;
  const cutAdvanceMs = options.cutAdvanceMs ?? 250;
  const maxAmount = options.maxAmountMinor ?? 100_000;
  const prefix = options.idPrefix ?? `w${options.seed}`;
  const plan: WorkloadPlan = {
    instructions: 0,
    cuts: 0,
    transfers: 0,
    singles: 0,
    batches: 0,
    batchedTransfers: 0,
    twoPhase: 0,
    fulfils: 0,
    aborts: 0,
    fx: 0,
    mistakes: {},
    hotPayerTransfers: 0,
  };
  const kinds = Object.keys(mix) as (keyof WorkloadMix)[];
  const totalWeight = kinds.reduce((s, k) => s + mix[k], 0);
  let seq = 0;
  const sent: TransferInstruction[] = [];
  const pending: TransferInstruction[] = [];
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const choose = <T>(items: readonly T[]): T => items[Math.floor(rnd() * items.length)];
  const mistake = (name: string) => (plan.mistakes[name] = (plan.mistakes[name] ?? 0) + 1);

  const hotParticipant = participants.find((p) => p.id === hot)!;
  const others = participants.filter((p) => p.id !== hot);
  // The hot payer is drawn whenever it is behind its share of the transfers so far (with a little jitter),
  // which keeps the share at `hotShare` within one batch even with large batches.
  const payerOf = (): (typeof participants)[number] =>
    plan.hotPayerTransfers < (plan.transfers + rnd() * 4) * hotShare ? hotParticipant : choose(others);
  const newTransfer = (overrides: Partial<TransferInstruction> = {}): TransferInstruction => {
    const payer = overrides.payer ? participants.find((p) => p.id === overrides.payer)! : payerOf();
    const currency = choose(payer.currencies);
    const payees = participants.filter((p) => p.id !== payer.id && p.currencies.includes(currency));
    const payee = payees.length > 0 ? choose(payees).id : participants.find((p) => p.id !== payer.id)!.id;
    return {
      id: `${prefix}-${seq++}`,
      payer: payer.id,
      payee,
      amount: formatAmount(BigInt(int(1, maxAmount)), currency),
      currency,
      ...overrides,
    };
  };
  const countTransfers = (ts: TransferInstruction[]) => {
    plan.transfers += ts.length;
    plan.hotPayerTransfers += ts.filter((t) => t.payer === hot).length;
  };
  const single = (t: TransferInstruction, options: InstructionOptions & { signer?: string } = {}) => {
    log.transfer(t, options);
    plan.singles += 1;
    countTransfers([t]);
  };

  for (let i = 0; i < options.instructions; i++) {
    let draw = rnd() * totalWeight;
    let kind = kinds[0];
    for (const k of kinds) {
      if (draw < mix[k]) {
        kind = k;
        break;
      }
      draw -= mix[k];
    }
    if ((kind === 'duplicateSame' || kind === 'duplicateModified') && sent.length === 0) kind = 'single';
    if (kind === 'complete' && pending.length === 0) kind = 'twoPhase';
    switch (kind) {
      case 'single': {
        const t = newTransfer();
        single(t);
        sent.push(t);
        break;
      }
      case 'batch': {
        const first = newTransfer();
        const transfers = [first];
        const size = int(minBatch, maxBatch);
        for (let j = 1; j < size; j++) {
          // One transfer in a hundred inside a batch names a payee that does not exist.
          transfers.push(
            newTransfer(rnd() < 0.01 ? { payer: first.payer, payee: 'ghost' } : { payer: first.payer }),
          );
        }
        log.batch(first.payer, transfers);
        plan.batches += 1;
        plan.batchedTransfers += transfers.length;
        countTransfers(transfers);
        if (sent.length < 10_000) sent.push(transfers[0]);
        break;
      }
      case 'twoPhase': {
        const expiresInMs = rnd() < 0.5 ? int(1000, 4000) : undefined;
        const t = newTransfer({ twoPhase: true, ...(expiresInMs ? { expiresInMs } : {}) });
        single(t);
        plan.twoPhase += 1;
        pending.push(t);
        break;
      }
      case 'complete': {
        const t = pending.splice(Math.floor(rnd() * pending.length), 1)[0];
        const r = rnd();
        if (r < 0.6) {
          log.fulfil(t.payee, t.id);
          plan.fulfils += 1;
        } else if (r < 0.8) {
          log.abort(t.payer, t.id);
          plan.aborts += 1;
        } else if (r < 0.92) {
          log.abort(t.payee, t.id);
          plan.aborts += 1;
        } else {
          // The payer may not confirm the payout: NOT_AUTHORIZED.
          log.fulfil(t.payer, t.id);
          plan.fulfils += 1;
          mistake('fulfil-by-payer');
          pending.push(t);
        }
        break;
      }
      case 'insufficientFunds':
        single(newTransfer({ amount: '9999999999999999' }));
        mistake('insufficient-funds');
        break;
      case 'unknownPayee':
        single(newTransfer({ payee: 'ghost' }));
        mistake('unknown-payee');
        break;
      case 'wrongSigner': {
        const t = newTransfer();
        single(t, { signer: choose(participants.filter((p) => p.id !== t.payer)).id });
        mistake('wrong-signer');
        break;
      }
      case 'duplicateSame':
        single(choose(sent));
        mistake('duplicate-same');
        break;
      case 'duplicateModified': {
        const original = choose(sent);
        const amount = parseAmount(original.amount, original.currency) + BigInt(int(1, 100));
        single({ ...original, amount: formatAmount(amount, original.currency) });
        mistake('duplicate-modified');
        break;
      }
      case 'malformedBody': {
        const t = newTransfer();
        const bodies = [
          JSON.stringify(t).slice(0, -3),
          JSON.stringify({ ...t, amount: Number(t.amount) }),
          JSON.stringify({ ...t, memo: 'extra field' }),
        ];
        log.instruction(t.payer, '/v1/transfers', choose(bodies));
        mistake('malformed-body');
        break;
      }
      case 'fx': {
        // The payer converts one of its currencies into another that both the provider and a payee hold.
        const provider = participants.find((p) => p.id === options.fxProvider)!;
        const payer = payerOf();
        const source = choose(payer.currencies.filter((c) => provider.currencies.includes(c)));
        const target = choose(provider.currencies.filter((c) => c !== source));
        const payees = participants.filter(
          (p) => p.id !== payer.id && p.id !== provider.id && p.currencies.includes(target),
        );
        const id = `${prefix}-${seq++}`;
        if (!source || !target || payees.length === 0) break;
        const payee = choose(payees).id;
        const sendMinor = BigInt(int(100, maxAmount));
        const quote = fixtureQuote(
          log.spec,
          { id: `q-${id}`, provider: provider.id, payer: payer.id, payee, source, target },
          sendMinor,
          log.nowMs,
        );
        const twoPhase = rnd() < 0.2;
        const t: TransferInstruction = {
          id,
          payer: payer.id,
          payee,
          amount: formatAmount(sendMinor, source),
          currency: source,
          quote,
          ...(twoPhase ? { twoPhase: true } : {}),
        };
        single(t);
        plan.fx += 1;
        if (twoPhase) {
          plan.twoPhase += 1;
          pending.push(t);
        }
        break;
      }
      case 'badSignature': {
        const t = newTransfer();
        single(t, { signWith: choose(participants.filter((p) => p.id !== t.payer)).id });
        mistake('bad-signature');
        break;
      }
    }
    plan.instructions += 1;
    options.onInstruction?.(plan.instructions);
    if (plan.instructions % cutEvery === 0) {
      log.cut();
      log.advance(cutAdvanceMs);
      plan.cuts += 1;
    }
  }
  log.cut();
  plan.cuts += 1;
  return plan;
}
