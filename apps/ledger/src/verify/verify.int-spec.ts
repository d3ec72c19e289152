import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { signBytes, signingKeyFromSeed } from '@concord/crypto';
import { ledgerClient, LedgerPrismaClient } from '@concord/db';
import { signerKey } from '../../../../libs/devtools/src/demo/consortium';
import { dropDatabase, migrate, REPO_ROOT } from '../../../../libs/devtools/src/database/prisma';
import { BlocksRepository } from '../blocks/blocks.repository';
import { PrismaChainSource } from './chain-source';
import { ChainVerdict, ChainVerifierOptions, verifyChain } from './chain-verifier';
import { buildTestChain, certify, TEST_SPEC, TEST_TRANSFER_COUNT, TestChain } from './test/chain-fixture';

jest.setTimeout(60_000);

const SERVER = process.env.TEST_DATABASE_SERVER ?? 'postgresql://postgres@127.0.0.1:5432';
const DATABASE_URL = `${SERVER}/concord_test_verify_${randomBytes(5).toString('hex')}`;

let chain: TestChain;
let prisma: LedgerPrismaClient;
let sql: Client;

async function verify(options: ChainVerifierOptions = {}, pages = { blockPageSize: 3, entryPageSize: 4 }) {
  const source = new PrismaChainSource(prisma, pages);
  return verifyChain(source.blocks(), {
    ownSignerId: 's1',
    strayRow: (tip) => source.strayRow(tip),
    ...options,
  });
}

/** Runs `change`, then the verifier, then `undo` whatever happened; returns the verdict. */
async function tampered(change: string, undo: string, options?: ChainVerifierOptions): Promise<ChainVerdict> {
  await sql.query(change);
  try {
    return await verify(options);
  } finally {
    await sql.query(undo);
  }
}

function broken(verdict: ChainVerdict): { height: number; reason: string } | 'ok' {
  return verdict.ok ? 'ok' : { height: verdict.height, reason: verdict.reason };
}

const run = promisify(execFile);

async function cli(
  args: string[],
  script = 'apps/ledger/src/verify/verify.ts',
): Promise<{ code: number; lines: string[]; stderr: string }> {
  try {
    const { stdout, stderr } = await run('node', ['--require', 'tsx/cjs', script, ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, DATABASE_URL },
    });
    return { code: 0, lines: stdout.trimEnd().split('\n'), stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, lines: e.stdout.trimEnd().split('\n'), stderr: e.stderr };
  }
}

beforeAll(async () => {
  await migrate(DATABASE_URL, ['s1', 's2', 's3', 's4']);
  prisma = ledgerClient(DATABASE_URL, 's1');
  const repository = new BlocksRepository(prisma);
  chain = buildTestChain();
  const own = signerKey(TEST_SPEC, 's1');
  for (const [i, block] of chain.blocks.entries()) {
    await repository.saveBlock(block, signBytes(own, block.headerHash));
    // The tip stays uncertified, as on a live signer whose last votes are still being counted.
    if (i < chain.blocks.length - 1) await repository.saveCertificate(certify(TEST_SPEC, block));
  }
  sql = new Client({ connectionString: DATABASE_URL });
  await sql.connect();
  await sql.query('set search_path to ledger_s1');
});

afterAll(async () => {
  await prisma?.$disconnect();
  await sql?.end();
  await dropDatabase(DATABASE_URL);
});

describe('ledger:verify on a stored chain', () => {
  it('the fixture covers what the verifier must handle', () => {
    expect(chain.blocks).toHaveLength(10);
    expect(chain.engine.transfers.size).toBe(TEST_TRANSFER_COUNT);
    const kinds = new Set(chain.blocks.flatMap((b) => b.entries.map((e) => e.rejection ?? e.kind)));
    expect([...kinds].sort()).toEqual([
      'INVALID_SIGNATURE',
      'UNKNOWN_PARTICIPANT',
      'cut',
      'genesis',
      'instruction',
    ]);
  });

  it('passes an intact chain, with the right counts, whatever the page sizes', async () => {
    const expected: ChainVerdict = {
      ok: true,
      blocks: 10,
      transfers: 28,
      stateRoot: chain.engine.stateRoot(),
      warnings: ['the tip block 10 is not certified yet'],
    };
    expect(await verify()).toEqual(expected);
    expect(await verify({}, { blockPageSize: 500, entryPageSize: 5000 })).toEqual(expected);
    expect(await verify({}, { blockPageSize: 1, entryPageSize: 1 })).toEqual(expected);
    expect(await verify({ trustedGenesisHash: chain.blocks[0].headerHash })).toEqual(expected);
  });

  it('detects a changed entry payload (an amount) at its block', async () => {
    const verdict = await tampered(
      `update entries set payload = replace(payload, '10.70', '99.70') where height = 4 and seq = 2`,
      `update entries set payload = replace(payload, '99.70', '10.70') where height = 4 and seq = 2`,
    );
    expect(broken(verdict)).toEqual({
      height: 4,
      reason: expect.stringMatching(/^replay gives entriesRoot .* \(first differing entry: 2, offset 11\)$/),
    });
  });

  it('detects a changed stored entry hash, outcome or kind', async () => {
    const hash = await tampered(
      `update entries set hash = repeat('a', 64) where height = 3 and seq = 0`,
      `update entries set hash = '${chain.blocks[2].entries[0].hash}' where height = 3 and seq = 0`,
    );
    expect(broken(hash)).toEqual({
      height: 3,
      reason: 'entry 0 (offset 7): stored hash differs from the replay',
    });
    const original = JSON.stringify(chain.blocks[7].entries[1].outcomes);
    const outcomes = await tampered(
      `update entries set outcomes = replace(outcomes, 'fulfilled', 'aborted') where height = 8 and seq = 1`,
      `update entries set outcomes = $$${original}$$ where height = 8 and seq = 1`,
    );
    expect(broken(outcomes)).toEqual({
      height: 8,
      reason: 'entry 1 (offset 28): stored outcomes differs from the replay',
    });
    const kind = await tampered(
      `update entries set kind = 'cut' where height = 3 and seq = 0`,
      `update entries set kind = 'instruction' where height = 3 and seq = 0`,
    );
    expect(broken(kind)).toEqual({
      height: 3,
      reason: 'entry 0 (offset 7): stored kind differs from the replay',
    });
  });

  it('detects a changed balances row, at the block named by its height', async () => {
    const { rows } = await sql.query(`select height from balances where account_id = 'gamma/USD'`);
    const verdict = await tampered(
      `update balances set balance_minor = balance_minor + 1 where account_id = 'gamma/USD'`,
      `update balances set balance_minor = balance_minor - 1 where account_id = 'gamma/USD'`,
    );
    expect(broken(verdict)).toEqual({
      height: rows[0].height,
      reason: expect.stringMatching(/^balances row gamma\/USD: balance_minor -?\d+ differs from the replay/),
    });
  });

  it('detects an unknown, missing or stale balances row', async () => {
    const unknown = await tampered(
      `update balances set account_id = 'x' where account_id = 'beta/PHP'`,
      `update balances set account_id = 'beta/PHP' where account_id = 'x'`,
    );
    expect(broken(unknown)).toEqual({ height: 9, reason: 'balances row x names no account of the ledger' });
    const missing = await tampered(
      `update balances set height = 1000 where account_id = 'beta/PHP'`,
      `update balances set height = 9 where account_id = 'beta/PHP'`,
    );
    expect(broken(missing)).toEqual({
      height: 9,
      reason: 'balances has no row for beta/PHP, changed in this block',
    });
    const stale = await tampered(
      `update balances set height = 2 where account_id = 'beta/PHP'`,
      `update balances set height = 9 where account_id = 'beta/PHP'`,
    );
    expect(broken(stale)).toEqual({
      height: 2,
      reason: expect.stringMatching(/^balances row beta\/PHP: balance_minor/),
    });
  });

  it('detects a changed blocks.state_root column at that block', async () => {
    const verdict = await tampered(
      `update blocks set state_root = repeat('0', 64) where height = 6`,
      `update blocks set state_root = '${chain.blocks[5].header.stateRoot}' where height = 6`,
    );
    expect(broken(verdict)).toEqual({
      height: 6,
      reason: expect.stringMatching(/^column state_root \(000000000000…\) does not match the header/),
    });
  });

  it('detects a header rewritten with a matching header_hash', async () => {
    const block = chain.blocks[5];
    const forged = { ...block.header, stateRoot: '1'.repeat(64) };
    const { canonicalJson, sha256Hex } = await import('@concord/crypto');
    const forgedHash = sha256Hex(canonicalJson(forged));
    const verdict = await tampered(
      `update blocks set header = '${JSON.stringify(forged)}', header_hash = '${forgedHash}', state_root = '${forged.stateRoot}' where height = 6`,
      `update blocks set header = '${JSON.stringify(block.header)}', header_hash = '${block.headerHash}', state_root = '${block.header.stateRoot}' where height = 6`,
    );
    expect(broken(verdict)).toEqual({
      height: 6,
      reason: expect.stringMatching(/^replay gives stateRoot .*, the stored header has 111111111111…$/),
    });
  });

  it("detects changed postings in an entry's postings column", async () => {
    const { rows } = await sql.query<{ postings: string }>(
      `select postings from entries where height = 2 and seq = 3`,
    );
    const original = rows[0].postings;
    const legs = JSON.parse(original) as { amountMinor: string }[];
    const set = (json: string, height = 2, seq = 3) =>
      `update entries set postings = '${json}' where height = ${height} and seq = ${seq}`;
    const changed = [
      { ...legs[0], amountMinor: String(BigInt(legs[0].amountMinor) + 100n) },
      ...legs.slice(1),
    ];
    expect(broken(await tampered(set(JSON.stringify(changed)), set(original)))).toEqual({
      height: 2,
      reason: expect.stringMatching(
        /^posting \(entry 3, leg 0\): stored amountMinor \d+ differs from the replay/,
      ),
    });
    expect(broken(await tampered(set('{}'), set(original)))).toEqual({
      height: 2,
      reason: expect.stringMatching(/^entry 3 \(offset \d+\): stored postings are not a JSON array$/),
    });
    expect(broken(await tampered(set('not json'), set(original)))).toEqual({
      height: 2,
      reason: expect.stringMatching(/^entry 3 \(offset \d+\): stored postings are not JSON$/),
    });
    const { rows: block5 } = await sql.query<{ postings: string }>(
      `select postings from entries where height = 5 and seq = 0`,
    );
    const extra = JSON.stringify([
      ...(JSON.parse(block5[0].postings) as unknown[]),
      {
        transferId: 't14',
        debitAccount: 'hub/USD',
        creditAccount: 'gamma/USD',
        amountMinor: '1',
        currency: 'USD',
      },
    ]);
    expect(broken(await tampered(set(extra, 5, 0), set(block5[0].postings, 5, 0)))).toEqual({
      height: 5,
      reason: 'posting (entry 0, leg 1) is not made by the replay',
    });
  });

  it('reads postings and transfers back as rows through views over the entries', async () => {
    const postings = await sql.query<{ n: string }>(`select count(*) as n from postings`);
    const replayed = chain.blocks.reduce(
      (n, b) => n + b.entries.reduce((m, e) => m + e.postings.length, 0),
      0,
    );
    expect(Number(postings.rows[0].n)).toBe(replayed);
    const { rows } = await sql.query(`select status, reason, height from transfers where id = 't21'`);
    expect(rows).toEqual([{ status: 'fulfilled', reason: null, height: 8 }]);
    // One row per id that a recorded outcome names (genesis funding included), as the table had.
    const recorded = new Set(
      chain.blocks.flatMap((b) =>
        b.entries.flatMap((e) =>
          e.rejection ? [] : e.outcomes.filter((o) => !o.refusal).map((o) => o.transferId),
        ),
      ),
    );
    const transfers = await sql.query<{ n: string }>(`select count(*) as n from transfers`);
    expect(Number(transfers.rows[0].n)).toBe(recorded.size);
    expect(recorded.size).toBeGreaterThan(TEST_TRANSFER_COUNT);
  });

  it('detects a certificate below quorum, a forged signature and one for another header', async () => {
    const original = (await sql.query(`select signatures from certificates where height = 5`)).rows[0]
      .signatures;
    const signatures = JSON.parse(original) as { signerId: string; signature: string }[];
    const set = (value: unknown) =>
      `update certificates set signatures = '${JSON.stringify(value)}' where height = 5`;
    const undo = `update certificates set signatures = '${original}' where height = 5`;

    const belowQuorum = await tampered(set(signatures.slice(0, 2)), undo);
    expect(broken(belowQuorum)).toEqual({
      height: 5,
      reason: 'the certificate holds 2 valid signatures, the quorum is 3',
    });

    const mallory = signingKeyFromSeed('7'.repeat(64));
    const forged = signatures.map((s, i) =>
      i === 1 ? { ...s, signature: signBytes(mallory, chain.blocks[4].headerHash) } : s,
    );
    expect(broken(await tampered(set(forged), undo))).toEqual({
      height: 5,
      reason: 'certificate signature 1 (signer s2): invalid signature',
    });

    // s4 really signed, but another block: a valid signature over the wrong hash.
    const replayed = [...signatures.slice(0, 2), certify(TEST_SPEC, chain.blocks[3], ['s4']).signatures[0]];
    expect(broken(await tampered(set(replayed), undo))).toEqual({
      height: 5,
      reason: 'certificate signature 2 (signer s4): invalid signature',
    });

    const duplicated = [...signatures.slice(0, 2), signatures[0]];
    expect(broken(await tampered(set(duplicated), undo))).toEqual({
      height: 5,
      reason: 'certificate signature 2 (signer s1): duplicate signer',
    });

    const otherHash = await tampered(
      `update certificates set header_hash = '${chain.blocks[3].headerHash}' where height = 5`,
      `update certificates set header_hash = '${chain.blocks[4].headerHash}' where height = 5`,
    );
    expect(broken(otherHash)).toEqual({ height: 5, reason: 'the certificate is for another header hash' });
  });

  it('fails an uncertified block in the middle; the tip only in strict mode', async () => {
    const middle = await tampered(
      `update certificates set height = -4 where height = 4`,
      `update certificates set height = 4 where height = -4`,
    );
    expect(broken(middle)).toEqual({
      height: 4,
      reason: 'the block has no certificate, but block 5 after it has one',
    });
    expect(broken(await verify({ allowUncertifiedTip: false }))).toEqual({
      height: 10,
      reason: 'the tip block 10 is not certified',
    });
  });

  it('detects a missing block, a stray row, a foreign genesis and a bad own signature', async () => {
    const gap = await tampered(
      `update blocks set height = 1000 where height = 7`,
      `update blocks set height = 7 where height = 1000`,
    );
    expect(broken(gap)).toEqual({ height: 7, reason: 'the block is missing (the next stored block is 8)' });

    const stray = await tampered(
      `insert into entries (height, seq, "offset", timestamp_ms, kind, payload, outcomes, postings, hash)
       values (50, 0, 999, 0, 'cut', '{}', '[]', '[]', 'x')`,
      `delete from entries where height = 50`,
    );
    expect(broken(stray)).toEqual({
      height: 50,
      reason: 'a row of entries names block 50, which is not in the chain',
    });

    expect(broken(await verify({ trustedGenesisHash: 'f'.repeat(64) }))).toEqual({
      height: 1,
      reason: 'the genesis block is not the trusted genesis',
    });

    const s2 = signBytes(signerKey(TEST_SPEC, 's2'), chain.blocks[7].headerHash);
    const s1 = signBytes(signerKey(TEST_SPEC, 's1'), chain.blocks[7].headerHash);
    const own = await tampered(
      `update blocks set signature = '${s2}' where height = 8`,
      `update blocks set signature = '${s1}' where height = 8`,
    );
    expect(broken(own)).toEqual({ height: 8, reason: "the block's own signature (by s1) does not verify" });
  });

  it('is clean again after every tamper test was undone', async () => {
    expect((await verify()).ok).toBe(true);
  });

  it('keeps a refused completion out of the transfers table: a committed transfer stays committed', async () => {
    // gamma's refused abort of t01 (gamma has no t01 of its own and was paid none: UNKNOWN_TRANSFER) is an
    // outcome marked as a refusal: it is reported to whoever sent it, but it changes nothing recorded.
    expect([...chain.engine.transfers.values()].find((t) => t.id === 't01')?.status).toBe('committed');
    const { rows } = await sql.query(`select status, reason from transfers where id = 't01'`);
    expect(rows).toEqual([{ status: 'committed', reason: null }]);
  });

  it('runs as a CLI: ok, broken and misused', async () => {
    const ok = await cli(['--signer', 's1']);
    expect(ok.code).toBe(0);
    expect(ok.lines).toEqual([
      'warning: the tip block 10 is not certified yet',
      `chain ok: 10 blocks, 28 transfers, state root ${chain.engine.stateRoot()}`,
    ]);

    await sql.query(`update blocks set state_root = repeat('0', 64) where height = 6`);
    let bad: Awaited<ReturnType<typeof cli>>;
    try {
      bad = await cli(['--signer', 's1', '--strict']);
    } finally {
      await sql.query(
        `update blocks set state_root = '${chain.blocks[5].header.stateRoot}' where height = 6`,
      );
    }
    expect(bad.code).toBe(1);
    expect(bad.lines[bad.lines.length - 1]).toMatch(
      /^chain broken at block 6: column state_root \(000000000000…\) does not match the header \([0-9a-f]{12}…\)$/,
    );

    const misused = await cli(['--signer', 'S1;drop']);
    expect(misused.code).toBe(2);
    expect(misused.stderr).toMatch(/--signer must be lower-case letters and digits/);
  });
});

describe('ledger:export, then ledger:verify --file with no database', () => {
  const dir = mkdtempSync(join(tmpdir(), 'concord-export-'));
  const file = join(dir, 'chain.jsonl.gz');
  const exportChain = () => cli(['--signer', 's1', '--out', file], 'apps/ledger/src/verify/export.ts');
  /** Rewrites the exported file's lines with `change`, into a new file. */
  const rewritten = (name: string, change: (lines: string[]) => string[]) => {
    const lines = gunzipSync(readFileSync(file)).toString().trimEnd().split('\n');
    const path = join(dir, name);
    writeFileSync(path, gzipSync(change(lines).join('\n') + '\n'));
    return path;
  };
  // The file is verified without any database: a URL that cannot connect proves nothing is read from one.
  const verifyFile = (path: string, ...more: string[]) =>
    cli(['--file', path, '--database-url', 'postgresql://nobody@127.0.0.1:1/none', ...more]);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('verifies the exported chain with the same last line as the database', async () => {
    const exported = await exportChain();
    expect(exported).toMatchObject({ code: 0, lines: [`exported 10 blocks of ledger_s1 to ${file}`] });
    const fromFile = await verifyFile(file, '--genesis-hash', chain.blocks[0].headerHash);
    expect(fromFile.code).toBe(0);
    expect(fromFile.lines).toEqual([
      'warning: the tip block 10 is not certified yet',
      `chain ok: 10 blocks, 28 transfers, state root ${chain.engine.stateRoot()}`,
    ]);
    // Another genesis than the trusted one: the whole file is refused at block 1.
    const otherGenesis = await verifyFile(file, '--genesis-hash', 'ab'.repeat(32));
    expect(otherGenesis.code).toBe(1);
    expect(otherGenesis.lines.at(-1)).toMatch(/^chain broken at block 1: /);
  });

  it('locates a changed amount, a line that is not a block and a missing block', async () => {
    const amount = rewritten('amount.jsonl.gz', (lines) =>
      lines.map((line, i) => (i === 4 ? line.replace('10.70', '99.70') : line)),
    );
    const changed = await verifyFile(amount);
    expect(changed.code).toBe(1);
    expect(changed.lines.at(-1)).toMatch(
      /^chain broken at block 4: replay gives entriesRoot .* \(first differing entry: 2, offset 11\)$/,
    );

    const cut = rewritten('cut.jsonl.gz', (lines) =>
      lines.map((line, i) => (i === 6 ? line.slice(0, 40) : line)),
    );
    expect((await verifyFile(cut)).lines.at(-1)).toBe(
      'chain broken at block 6: line 7 of the chain file is not a block: line: Invalid input: expected object, received undefined',
    );

    const gap = rewritten('gap.jsonl.gz', (lines) => lines.filter((_, i) => i !== 3));
    expect((await verifyFile(gap)).lines.at(-1)).toMatch(/^chain broken at block 3: /);
  });

  it('refuses a file that is not a chain file, with exit code 2', async () => {
    const notGzip = join(dir, 'plain.jsonl');
    writeFileSync(notGzip, '{"format":"concord-chain"}\n');
    const plain = await verifyFile(notGzip);
    expect(plain.code).toBe(2);
    expect(plain.stderr).toMatch(/^cannot verify .*plain\.jsonl: /m);
    const other = rewritten('other.jsonl.gz', (lines) => ['{"format":"something-else"}', ...lines.slice(1)]);
    const wrong = await verifyFile(other);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/is not a Concord chain file/);
    expect((await cli(['--out'], 'apps/ledger/src/verify/export.ts')).code).toBe(2);
  });
});
