import { createReadStream, createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { createGunzip, createGzip } from 'node:zlib';
import { z } from 'zod';
import { StoredBlock, UnreadableBlock } from './chain-verifier';

/*
 * A signer's chain as one gzip-compressed JSON Lines file, for verification without database access: a
 * regulator gets the file and the genesis hash, and `ledger:verify --file` replays it exactly as it
 * replays the database (the same verifier, the same last line). The first line says what the file is;
 * then one line per block with every row that names its height (block, entries with their postings,
 * certificate, balances). Integers that may exceed 2^53 (offsets, times, amounts) are decimal strings.
 * Nothing in the file is trusted: a changed line fails verification at its block like a changed row.
 */

export const CHAIN_FILE_FORMAT = 'concord-chain';
export const CHAIN_FILE_VERSION = 1;

const int = z.number().int();
const big = z
  .string()
  .regex(/^-?\d{1,30}$/, 'must be a decimal integer')
  .transform((s) => BigInt(s));

const fileHeaderSchema = z
  .object({
    format: z.literal(CHAIN_FILE_FORMAT),
    version: z.literal(CHAIN_FILE_VERSION),
    signer: z.string().regex(/^[a-z0-9]{1,16}$/),
    blocks: int.min(0),
    exportedAt: z.string(),
  })
  .strict();
export type ChainFileHeader = z.infer<typeof fileHeaderSchema>;

const blockLineSchema = z
  .object({
    block: z.object({
      height: int,
      headerHash: z.string(),
      prevHash: z.string(),
      entriesRoot: z.string(),
      stateRoot: z.string(),
      blockTimeMs: big,
      entryCount: int,
      firstOffset: big,
      lastOffset: big,
      header: z.string(),
      signature: z.string(),
    }),
    entries: z.array(
      z.object({
        height: int,
        seq: int,
        offset: big,
        timestampMs: big,
        kind: z.string(),
        payload: z.string(),
        rejection: z.string().nullable(),
        outcomes: z.string(),
        postings: z.string(),
        hash: z.string(),
      }),
    ),
    certificate: z.object({ height: int, headerHash: z.string(), signatures: z.string() }).nullable(),
    balances: z.array(
      z.object({
        accountId: z.string(),
        participantId: z.string(),
        currency: z.string(),
        kind: z.string(),
        balanceMinor: big,
        reservedMinor: big,
        height: int,
      }),
    ),
  })
  .strict();

/** A line of the file that cannot be a block: verification stops there, as at a broken block. */
export class MalformedChainLine extends UnreadableBlock {
  constructor(
    readonly line: number,
    reason: string,
  ) {
    super(`line ${line} of the chain file is not a block: ${reason}`);
  }
}

const bigintsAsStrings = (_key: string, value: unknown) =>
  typeof value === 'bigint' ? value.toString() : value;

function stripRowExtras(stored: StoredBlock): StoredBlock {
  // Rows from the database may carry columns the verifier does not read (ids, timestamps); the file
  // holds exactly what verification needs, so the same block exports to the same line.
  const pick = <T extends object>(row: T, keys: (keyof T)[]) =>
    Object.fromEntries(keys.map((k) => [k, row[k]])) as T;
  const shape = blockLineSchema.shape;
  return {
    block: pick(stored.block, Object.keys(shape.block.shape) as (keyof StoredBlock['block'])[]),
    entries: stored.entries.map((e) =>
      pick(e, Object.keys(shape.entries.element.shape) as (keyof StoredBlock['entries'][number])[]),
    ),
    certificate:
      stored.certificate &&
      pick(stored.certificate, ['height', 'headerHash', 'signatures'] as (keyof NonNullable<
        StoredBlock['certificate']
      >)[]),
    balances: stored.balances.map((b) =>
      pick(b, Object.keys(shape.balances.element.shape) as (keyof StoredBlock['balances'][number])[]),
    ),
  };
}

/** Writes `blocks` (in height order) to `path` as a gzip JSON Lines chain file; returns the block count. */
export async function writeChainFile(
  path: string,
  header: Omit<ChainFileHeader, 'format' | 'version'>,
  blocks: AsyncIterable<StoredBlock>,
  onBlock?: (height: number) => void,
): Promise<number> {
  let written = 0;
  async function* lines(): AsyncGenerator<string> {
    yield `${JSON.stringify({ format: CHAIN_FILE_FORMAT, version: CHAIN_FILE_VERSION, ...header })}\n`;
    for await (const stored of blocks) {
      yield `${JSON.stringify(stripRowExtras(stored), bigintsAsStrings)}\n`;
      written++;
      onBlock?.(stored.block.height);
    }
  }
  await pipeline(Readable.from(lines()), createGzip(), createWriteStream(path));
  return written;
}

/**
 * Opens a chain file: its header, then its blocks one line at a time (the file is never held in memory).
 * A file that is not gzip or whose first line is not a chain header fails `open`; a later line that is
 * not a block throws MalformedChainLine from the iteration.
 */
export async function openChainFile(
  path: string,
): Promise<{ header: ChainFileHeader; blocks: AsyncGenerator<StoredBlock> }> {
  const input = createReadStream(path).pipe(createGunzip());
  const reader = createInterface({ input, crlfDelay: Infinity })[Symbol.asyncIterator]();
  const first = await reader.next();
  if (first.done) throw new Error(`${path} is empty`);
  const header = fileHeaderSchema.safeParse(parseJson(first.value));
  if (!header.success) throw new Error(`${path} is not a Concord chain file (${CHAIN_FILE_FORMAT} v1)`);
  async function* blocks(): AsyncGenerator<StoredBlock> {
    let line = 1;
    try {
      for (;;) {
        const next = await reader.next();
        if (next.done) return;
        line++;
        const parsed = blockLineSchema.safeParse(parseJson(next.value));
        if (!parsed.success) {
          const issue = parsed.error.issues[0];
          throw new MalformedChainLine(line, `${issue.path.join('.') || 'line'}: ${issue.message}`);
        }
        yield parsed.data;
      }
    } finally {
      input.destroy();
    }
  }
  return { header: header.data, blocks: blocks() };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
