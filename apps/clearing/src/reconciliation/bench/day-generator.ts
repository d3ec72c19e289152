import type { OpenInstruction } from '../matching/matcher';

/** What the generator planted: the statement, the day's instructions and what the matcher should find. */
export interface GeneratedDay {
  instructions: OpenInstruction[];
  lineCount: number;
  /** Bytes of CSV written to the sink. */
  bytes: number;
  /** Lines that a correct matcher matches (every noise case made matchable). */
  matchable: Set<number>;
  /** Lines that are real breaks. */
  breaks: Set<number>;
}

const VALUE_DATE = '2026-12-07';

/** A small deterministic generator (mulberry32): the same seed, the same day. */
function random(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Noise = 'clean' | 'mangled' | 'charges' | 'split' | 'no-reference' | 'batch' | 'missing';

/** The share of each noise case, per hundred instructions. */
const MIX: [Noise, number][] = [
  ['clean', 55],
  ['mangled', 10],
  ['charges', 10],
  ['split', 7],
  ['no-reference', 8],
  ['batch', 5],
  ['missing', 5],
];

/**
 * A day of settlement instructions (USD, 48 windows) and the settlement account's statement as CSV, with
 * the noise of real statements: references mangled, bank charges taken off (within the rules'
 * tolerance), split payments, lines without reference (unique amounts), two instructions paid by one
 * line, instructions not paid at all; and real breaks: lines for no instruction, and referenced lines
 * whose amount is far off.
 */
export function generateDay(instructionCount: number, sink: (text: string) => void, seed = 7): GeneratedDay {
  const next = random(seed);
  const used = new Set<number>();
  const instructions: OpenInstruction[] = [];
  for (let n = 0; n < instructionCount; n++) {
    let amount: number;
    do amount = 100_000 + Math.floor(next() * 900_000_000);
    while (used.has(amount));
    used.add(amount);
    instructions.push({
      id: `w${1 + (n % 48)}.p${Math.floor(n / 48)}`,
      currency: 'USD',
      direction: n % 2 === 0 ? 'pay-in' : 'pay-out',
      outstandingMinor: BigInt(amount),
      valueDate: VALUE_DATE,
    });
  }
  return writeStatement(instructions, next, sink);
}

/** The statement, written to `sink` line by line (never held whole), and what each line should become. */
function writeStatement(
  instructions: OpenInstruction[],
  next: () => number,
  sink: (text: string) => void,
): GeneratedDay {
  const header =
    'account,currency,booking_date,value_date,amount,end_to_end_id,remittance_info,bank_reference\n';
  sink(header);
  let bytes = header.length;
  let lineCount = 0;
  const matchable = new Set<number>();
  const breaks = new Set<number>();
  const line = (amount: bigint, direction: string, e2e: string, remittance: string, expect: Set<number>) => {
    const signed = direction === 'pay-in' ? amount : -amount;
    lineCount++;
    const row = `SETTLE-USD-001,USD,${VALUE_DATE},${VALUE_DATE},${decimal(signed)},${e2e},${remittance},B${lineCount}\n`;
    sink(row);
    bytes += row.length;
    expect.add(lineCount);
  };
  const paidByBatch = new Set<number>();
  for (let k = 0; k < instructions.length; k++) {
    if (paidByBatch.has(k)) continue;
    const i = instructions[k];
    const noise = pick(next());
    const amount = i.outstandingMinor;
    if (noise === 'clean') line(amount, i.direction, i.id, 'Concord settlement', matchable);
    else if (noise === 'mangled')
      line(amount, i.direction, '', `SETTLEMENT ${i.id.toUpperCase().replace('.', '')}`, matchable);
    else if (noise === 'charges')
      line(amount - BigInt(1 + Math.floor(next() * 2000)), i.direction, i.id, 'charges deducted', matchable);
    else if (noise === 'split') {
      const part = amount / 3n;
      line(part, i.direction, i.id, 'part 1', matchable);
      line(amount - part, i.direction, i.id, 'part 2', matchable);
    } else if (noise === 'no-reference') line(amount, i.direction, '', 'TRANSFER', matchable);
    else if (noise === 'batch' && instructions[k + 2]?.direction === i.direction) {
      const other = instructions[k + 2];
      line(amount + other.outstandingMinor, i.direction, '', `BATCH ${i.id} ${other.id}`, matchable);
      paidByBatch.add(k + 2);
    }
    // A real break now and then: a line for no instruction, a referenced line far off its amount.
    if (next() < 0.02)
      line(BigInt(2_000_000_000 + Math.floor(next() * 1e9)), i.direction, '', 'UNKNOWN', breaks);
    if (next() < 0.01) line(amount * 3n, i.direction, i.id, 'DUPLICATE?', breaks);
  }
  return { instructions, lineCount, bytes, matchable, breaks };
}

function pick(r: number): Noise {
  let acc = 0;
  for (const [noise, share] of MIX) {
    acc += share / 100;
    if (r < acc) return noise;
  }
  return 'clean';
}

function decimal(minor: bigint): string {
  const sign = minor < 0n ? '-' : '';
  const abs = minor < 0n ? -minor : minor;
  return `${sign}${abs / 100n}.${(abs % 100n).toString().padStart(2, '0')}`;
}
