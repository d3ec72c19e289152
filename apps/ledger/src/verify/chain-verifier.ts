import { BlockHeader, blockHeaderSchema } from '@concord/contracts';
import { canonicalJson, checkCertificate, sha256Hex, verifyBytes } from '@concord/crypto';
import { LedgerEngine, ZERO_HASH } from '../engine/ledger-engine';
import type { SealedBlock } from '../engine/engine.types';

/*
 * Offline audit of one signer's stored chain (schema ledger_<signer>). Nothing stored is trusted: the
 * verifier replays every stored entry's raw payload through a fresh LedgerEngine, so entry hashes,
 * entries roots, state roots and header hashes are recomputed rather than read, and every other stored
 * row (entry columns with their postings, balances) is compared with what the replay says it must be.
 * The `postings` and `transfers` views read the entries, so they hold nothing of their own to audit.
 * Certificates are checked against the signer set of the chain's own genesis.
 */

/** Row shapes of the ledger tables (structurally those of the Prisma ledger client). */
export interface StoredBlockRow {
  height: number;
  headerHash: string;
  prevHash: string;
  entriesRoot: string;
  stateRoot: string;
  blockTimeMs: bigint;
  entryCount: number;
  firstOffset: bigint;
  lastOffset: bigint;
  header: string;
  signature: string;
}

export interface StoredEntryRow {
  height: number;
  seq: number;
  offset: bigint;
  timestampMs: bigint;
  kind: string;
  payload: string;
  rejection: string | null;
  outcomes: string;
  /** JSON array of the entry's postings (the engine's `postingsJson`; keys in any order). */
  postings: string;
  hash: string;
}

export interface StoredBalanceRow {
  accountId: string;
  participantId: string;
  currency: string;
  kind: string;
  balanceMinor: bigint;
  reservedMinor: bigint;
  height: number;
}

export interface StoredCertificateRow {
  height: number;
  headerHash: string;
  /** JSON array of { signerId, signature }. */
  signatures: string;
}

/** One stored block with every row that names its height. */
export interface StoredBlock {
  block: StoredBlockRow;
  /** The block's entries, in seq order. */
  entries: StoredEntryRow[];
  certificate: StoredCertificateRow | null;
  /** balances rows whose `height` column is this block. */
  balances: StoredBalanceRow[];
}

/** A row of a per-height table whose height names no block of the walked chain. */
export interface StrayRow {
  table: string;
  height: number;
}

export interface ChainVerifierOptions {
  /**
   * Whether blocks at the tip may lack a certificate (they are sealed but their votes are still being
   * counted). Default true: each such run is reported as a warning. Uncertified blocks followed by a
   * certified one always fail.
   */
  allowUncertifiedTip?: boolean;
  /** The signer whose store this is: its own signature column (`blocks.signature`) is verified too. */
  ownSignerId?: string;
  /**
   * Header hash of the genesis block as known from outside the store. Without it the genesis block is
   * taken as found, and with it the signer set: a store rewritten from its genesis on, with new signer
   * keys, is then self-consistent and passes.
   */
  trustedGenesisHash?: string;
  /** Called after each block that passed. */
  onBlock?: (height: number) => void;
}

export type ChainVerdict =
  | { ok: true; blocks: number; transfers: number; stateRoot: string; warnings: string[] }
  | { ok: false; height: number; reason: string; warnings: string[] };

interface Failure {
  height: number;
  reason: string;
}

const HEADER_FIELDS: (keyof BlockHeader)[] = [
  'chainId',
  'height',
  'prevHash',
  'entriesRoot',
  'stateRoot',
  'blockTimeMs',
  'entryCount',
  'firstOffset',
  'lastOffset',
];

function short(value: unknown): string {
  const text = String(value);
  return /^[0-9a-f]{64}$/.test(text) ? `${text.slice(0, 12)}…` : text;
}

/**
 * What a source of blocks throws for a block it cannot even read (a line of a chain file that is not a
 * block): the chain is broken there, at the height that was expected next.
 */
export class UnreadableBlock extends Error {}

/**
 * Checks blocks one at a time, in height order (`check`), then what can only be judged at the end
 * (`finish`). Memory grows with the number of accounts and transfer ids, not with the chain's length.
 */
export class ChainVerifier {
  private readonly engine = new LedgerEngine();
  private readonly allowUncertifiedTip: boolean;
  private nextHeight = 1;
  private prevHash = ZERO_HASH;
  private uncertifiedFrom: number | null = null;
  /** Height of the last block that changed each account, from the replay. */
  private readonly lastChanged = new Map<string, number>();
  /** Height of the balances row found for each account. */
  private readonly balanceRows = new Map<string, number>();
  private failure: Failure | null = null;

  constructor(private readonly options: ChainVerifierOptions = {}) {
    this.allowUncertifiedTip = options.allowUncertifiedTip ?? true;
  }

  /** Height of the last block that passed. */
  get tip(): number {
    return this.nextHeight - 1;
  }

  /** Checks the next stored block; returns the failure, after which nothing more is checked. */
  check(stored: StoredBlock): Failure | null {
    if (this.failure) return this.failure;
    const failure = this.checkBlock(stored);
    if (failure) {
      this.failure = failure;
      return failure;
    }
    this.nextHeight += 1;
    this.options.onBlock?.(stored.block.height);
    return null;
  }

  /** Stops the walk at the block expected next, which could not be read. */
  unreadable(reason: string): Failure {
    this.failure ??= { height: this.nextHeight, reason };
    return this.failure;
  }

  /** The verdict once every stored block went through `check`. `strayRow` looks for orphaned rows. */
  async finish(strayRow?: (tip: number) => Promise<StrayRow | null>): Promise<ChainVerdict> {
    const warnings: string[] = [];
    const fail = (f: Failure): ChainVerdict => ({ ok: false, ...f, warnings });
    if (this.failure) return fail(this.failure);
    const tip = this.tip;
    if (tip === 0) return fail({ height: 1, reason: 'no blocks are stored' });

    const late: Failure[] = [];
    for (const [accountId, height] of this.lastChanged) {
      const row = this.balanceRows.get(accountId);
      if (row === undefined)
        late.push({ height, reason: `balances has no row for ${accountId}, changed in this block` });
      else if (row !== height) {
        late.push({
          height,
          reason: `the balances row of ${accountId} is stale: it is of block ${row}, the account last changed here`,
        });
      }
    }
    const stray = strayRow ? await strayRow(tip) : null;
    if (stray)
      late.push({
        height: stray.height,
        reason: `a row of ${stray.table} names block ${stray.height}, which is not in the chain`,
      });
    if (this.uncertifiedFrom !== null && !this.allowUncertifiedTip) {
      late.push({
        height: this.uncertifiedFrom,
        reason: `${this.tipRange(this.uncertifiedFrom, tip)} not certified`,
      });
    }
    if (late.length > 0) return fail(late.reduce((a, b) => (b.height < a.height ? b : a)));
    if (this.uncertifiedFrom !== null) {
      warnings.push(`${this.tipRange(this.uncertifiedFrom, tip)} not certified yet`);
    }
    // Transfers: the distinct ids the ledger holds a record of, i.e. that reached committed, reserved,
    // fulfilled, aborted or expired, or were rejected by a ledger rule (insufficient funds, unknown payee...),
    // which keeps the id. Not counted: genesis funding moves, refused commands (forged, malformed) and
    // invalid amounts, whose ids the ledger does not take.
    return {
      ok: true,
      blocks: tip,
      transfers: this.engine.transfers.size,
      stateRoot: this.engine.stateRoot(),
      warnings,
    };
  }

  private tipRange(from: number, to: number): string {
    return from === to ? `the tip block ${from} is` : `the tip blocks ${from}-${to} are`;
  }

  private checkBlock(stored: StoredBlock): Failure | null {
    const row = stored.block;
    const h = this.nextHeight;
    const at = (reason: string): Failure => ({ height: h, reason });
    if (row.height !== h) {
      return row.height > h
        ? at(`the block is missing (the next stored block is ${row.height})`)
        : { height: row.height, reason: `block ${row.height} is out of order (expected block ${h})` };
    }
    const header = this.storedHeader(row, h);
    if (typeof header === 'string') return at(header);
    const replayProblem = this.replayBlock(stored, header, at);
    if (replayProblem) return replayProblem;
    const signatureProblem = this.checkSignatures(stored, h);
    if (signatureProblem) return signatureProblem;
    this.prevHash = row.headerHash;
    return null;
  }

  /** 1. The stored header, its hash, the columns and the link to the previous block; else the reason. */
  private storedHeader(row: StoredBlock['block'], h: number): BlockHeader | string {
    let header: BlockHeader;
    try {
      const parsed = blockHeaderSchema.safeParse(JSON.parse(row.header));
      if (!parsed.success) return 'the stored header JSON is not a valid block header';
      header = parsed.data;
    } catch {
      return 'the stored header is not JSON';
    }
    if (header.height !== h) return `the stored header names height ${header.height}`;
    if (sha256Hex(canonicalJson(header)) !== row.headerHash)
      return 'the stored header JSON does not hash to header_hash';
    const columns: [string, string, string][] = [
      ['prev_hash', row.prevHash, header.prevHash],
      ['entries_root', row.entriesRoot, header.entriesRoot],
      ['state_root', row.stateRoot, header.stateRoot],
      ['block_time_ms', row.blockTimeMs.toString(), String(header.blockTimeMs)],
      ['entry_count', String(row.entryCount), String(header.entryCount)],
      ['first_offset', row.firstOffset.toString(), header.firstOffset],
      ['last_offset', row.lastOffset.toString(), header.lastOffset],
    ];
    for (const [column, value, inHeader] of columns) {
      if (value !== inHeader)
        return `column ${column} (${short(value)}) does not match the header (${short(inHeader)})`;
    }
    if (header.prevHash !== this.prevHash) {
      return h === 1
        ? 'the first block does not start from the zero hash'
        : `prevHash does not link to block ${h - 1}`;
    }
    if (
      h === 1 &&
      this.options.trustedGenesisHash !== undefined &&
      row.headerHash !== this.options.trustedGenesisHash
    ) {
      return 'the genesis block is not the trusted genesis';
    }
    return header;
  }

  /**
   * 2. Replay of the raw payloads: the engine must seal exactly this block, byte for byte; 3. the stored
   * entry columns (outcomes and postings included) that the replay recomputed; 5. the balances rows
   * written at this height.
   */
  private replayBlock(
    stored: StoredBlock,
    header: BlockHeader,
    at: (reason: string) => Failure,
  ): Failure | null {
    const { entries, block: row } = stored;
    const h = header.height;
    if (entries.length !== header.entryCount) {
      return at(`${entries.length} entries are stored, the header counts ${header.entryCount}`);
    }
    if (entries.length === 0) return at('the block has no entries');
    const replayed = this.replay(entries, at);
    if ('reason' in replayed) return replayed;
    const sealed = replayed.sealed;
    const headerProblem = this.compareHeaders(sealed, header, entries);
    if (headerProblem) return at(headerProblem);
    if (sealed.headerHash !== row.headerHash) return at('the replayed header hash differs from header_hash');
    if (h === 1 && !this.engine.hasGenesis) return at('the first block holds no genesis');
    const entryProblem = this.compareEntries(sealed, entries);
    if (entryProblem) return at(entryProblem);
    for (const account of sealed.changedAccounts) this.lastChanged.set(account.id, h);
    const balanceProblem = this.compareBalances(stored.balances, h);
    return balanceProblem ? at(balanceProblem) : null;
  }

  /** 4. The certificate, over the header hash, by the genesis signer set; and the signer's own signature. */
  private checkSignatures(stored: StoredBlock, h: number): Failure | null {
    const row = stored.block;
    const at = (reason: string): Failure => ({ height: h, reason });
    if (stored.certificate === null) {
      this.uncertifiedFrom ??= h;
    } else {
      if (this.uncertifiedFrom !== null) {
        return {
          height: this.uncertifiedFrom,
          reason: `the block has no certificate, but block ${h} after it has one`,
        };
      }
      const certificateProblem = this.checkCertificate(stored.certificate, row.headerHash, h);
      if (certificateProblem) return at(certificateProblem);
    }
    if (this.options.ownSignerId !== undefined) {
      const own = this.engine.signerSetAt(h).signers.find((s) => s.id === this.options.ownSignerId);
      if (!own) return at(`signer ${this.options.ownSignerId} is not in the signer set of that height`);
      if (!verifyBytes(own.publicKey, row.headerHash, row.signature)) {
        return at(`the block's own signature (by ${own.id}) does not verify`);
      }
    }
    return null;
  }

  private replay(
    entries: StoredEntryRow[],
    at: (reason: string) => Failure,
  ): { sealed: SealedBlock } | Failure {
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i];
      if (e.seq !== i) return at(`entry seq ${i} is missing (found seq ${e.seq})`);
      let sealed: SealedBlock | null;
      try {
        sealed = this.engine.apply({
          offset: e.offset,
          timestampMs: Number(e.timestampMs),
          value: e.payload,
        });
      } catch (error) {
        return at(
          `replay fails at entry ${i} (offset ${e.offset}): ${error instanceof Error ? error.message : error}`,
        );
      }
      if (sealed) {
        if (i !== entries.length - 1) {
          return at(
            `replay seals the block after entry ${i} (offset ${e.offset}), the store has ${entries.length} entries`,
          );
        }
        return { sealed };
      }
      if (this.engine.openEntryCount !== i + 1) {
        return at(
          `entry ${i} (offset ${e.offset}) is a no-op for the ledger: replay records no entry for it`,
        );
      }
    }
    const last = entries[entries.length - 1];
    return at(`replay does not seal the block after its last entry (offset ${last.offset})`);
  }

  private compareHeaders(sealed: SealedBlock, header: BlockHeader, entries: StoredEntryRow[]): string | null {
    for (const field of HEADER_FIELDS) {
      if (sealed.header[field] === header[field]) continue;
      let where = '';
      if (field === 'entriesRoot') {
        const i = sealed.entries.findIndex((e, n) => e.hash !== entries[n]?.hash);
        if (i >= 0) where = ` (first differing entry: ${i}, offset ${entries[i].offset})`;
      }
      return `replay gives ${field} ${short(sealed.header[field])}, the stored header has ${short(header[field])}${where}`;
    }
    return null;
  }

  private compareEntries(sealed: SealedBlock, entries: StoredEntryRow[]): string | null {
    for (let i = 0; i < entries.length; i++) {
      const stored = entries[i];
      const replayed = sealed.entries[i];
      let outcomes: unknown;
      try {
        outcomes = JSON.parse(stored.outcomes);
      } catch {
        outcomes = undefined;
      }
      const differs: [string, boolean][] = [
        ['hash', stored.hash !== replayed.hash],
        ['kind', stored.kind !== replayed.kind],
        ['rejection', stored.rejection !== (replayed.rejection ?? null)],
        ['outcomes', outcomes === undefined || canonicalJson(outcomes) !== replayed.outcomesJson],
      ];
      const column = differs.find(([, d]) => d)?.[0];
      if (column) return `entry ${i} (offset ${stored.offset}): stored ${column} differs from the replay`;
      const postingProblem = this.comparePostings(i, stored, replayed);
      if (postingProblem) return postingProblem;
    }
    return null;
  }

  /** The first posting of a stored entry that differs from the replay's, or null when they all agree. */
  private comparePostings(i: number, stored: StoredEntryRow, replayed: SealedBlock['entries'][number]) {
    let rows: unknown;
    try {
      rows = JSON.parse(stored.postings);
    } catch {
      return `entry ${i} (offset ${stored.offset}): stored postings are not JSON`;
    }
    if (!Array.isArray(rows))
      return `entry ${i} (offset ${stored.offset}): stored postings are not a JSON array`;
    const got = rows as Record<string, unknown>[];
    const want = JSON.parse(replayed.postingsJson) as Record<string, unknown>[];
    for (let leg = 0; leg < Math.max(got.length, want.length); leg++) {
      const where = `posting (entry ${i}, leg ${leg})`;
      if (!got[leg]) return `${where} is missing`;
      if (!want[leg]) return `${where} is not made by the replay`;
      if (canonicalJson(got[leg]) === canonicalJson(want[leg])) continue;
      const field = Object.keys(want[leg]).find((k) => got[leg][k] !== want[leg][k]) ?? 'a field';
      return `${where}: stored ${field} ${String(got[leg][field])} differs from the replay (${String(want[leg][field])})`;
    }
    return null;
  }

  private checkCertificate(
    certificate: StoredCertificateRow,
    headerHash: string,
    height: number,
  ): string | null {
    // The signers in force at that height: a governance change sealed in block h counts from h + 1.
    const set = this.engine.signerSetAt(height);
    if (certificate.headerHash !== headerHash) return 'the certificate is for another header hash';
    let signatures: unknown;
    try {
      signatures = JSON.parse(certificate.signatures);
    } catch {
      return 'the certificate signatures are not JSON';
    }
    if (!Array.isArray(signatures)) return 'the certificate signatures are not a JSON array';
    // Strict: the vote counter puts only valid, distinct signer votes in a certificate, so anything else in
    // a stored one was put there afterwards, even if a quorum of good signatures remains.
    const { validSigners, rejected } = checkCertificate(headerHash, signatures, set.signers);
    if (rejected.length > 0) {
      const r = rejected[0];
      return `certificate signature ${r.index} (signer ${r.signerId || '?'}): ${r.problem}`;
    }
    if (validSigners.length < set.quorum) {
      return `the certificate holds ${validSigners.length} valid signatures, the quorum is ${set.quorum}`;
    }
    return null;
  }

  private compareBalances(rows: StoredBalanceRow[], h: number): string | null {
    for (const row of rows) {
      const account = this.engine.accounts.get(row.accountId);
      if (!account) return `balances row ${row.accountId} names no account of the ledger`;
      if (this.lastChanged.get(row.accountId) !== h) {
        return `balances row ${row.accountId} is of this block, which does not change the account`;
      }
      const fields: [string, unknown, unknown][] = [
        ['balance_minor', row.balanceMinor, account.balanceMinor],
        ['reserved_minor', row.reservedMinor, account.reservedMinor],
        ['participant_id', row.participantId, account.participantId],
        ['currency', row.currency, account.currency],
        ['kind', row.kind, account.kind],
      ];
      const bad = fields.find(([, a, b]) => a !== b);
      if (bad)
        return `balances row ${row.accountId}: ${bad[0]} ${bad[1]} differs from the replay (${bad[2]})`;
      this.balanceRows.set(row.accountId, h);
    }
    return null;
  }
}

/** Verifies a whole stored chain given as blocks in height order. */
export async function verifyChain(
  blocks: AsyncIterable<StoredBlock> | Iterable<StoredBlock>,
  options: ChainVerifierOptions & { strayRow?: (tip: number) => Promise<StrayRow | null> } = {},
): Promise<ChainVerdict> {
  const verifier = new ChainVerifier(options);
  try {
    for await (const block of blocks) {
      if (verifier.check(block)) break;
    }
  } catch (error) {
    if (!(error instanceof UnreadableBlock)) throw error;
    verifier.unreadable(error.message);
  }
  return verifier.finish(options.strayRow);
}
