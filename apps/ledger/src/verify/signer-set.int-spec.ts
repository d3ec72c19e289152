import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { signBytes, signingKeyFromSeed } from '@concord/crypto';
import { ledgerClient, LedgerPrismaClient } from '@concord/db';
import { buildGenesis, governanceCommand, signerKey } from '../../../../libs/devtools/src/demo/consortium';
import { dropDatabase, migrate } from '../../../../libs/devtools/src/database/prisma';
import { BlocksRepository } from '../blocks/blocks.repository';
import type { LogRecord, SealedBlock } from '../engine/engine.types';
import { LedgerEngine } from '../engine/ledger-engine';
import { PrismaChainSource } from './chain-source';
import { verifyChain } from './chain-verifier';
import { TEST_SPEC } from './test/chain-fixture';

jest.setTimeout(60_000);

const SERVER = process.env.TEST_DATABASE_SERVER ?? 'postgresql://postgres@127.0.0.1:5432';
const DATABASE_URL = `${SERVER}/concord_test_signer_set_${randomBytes(5).toString('hex')}`;

/** A fifth signer's key (not derived from the consortium secret: it joins later, with its own key). */
const S5 = signingKeyFromSeed('5a'.repeat(32));
const keyOf = (signerId: string) => (signerId === 's5' ? S5 : signerKey(TEST_SPEC, signerId));

/**
 * A chain whose signer set changes twice by governance: s5 joins with quorum 4, then s2 leaves with
 * quorum 3. Each block is certified by exactly the set in force at its height, as live signers do.
 */
function buildChain() {
  const engine = new LedgerEngine();
  const blocks: SealedBlock[] = [];
  let offset = 0n;
  let clock = 1_770_000_000_000;
  const append = (value: unknown) => {
    const record: LogRecord = { offset: offset++, timestampMs: clock, value: JSON.stringify(value) };
    clock += 500;
    const sealed = engine.apply(record);
    if (sealed) blocks.push(sealed);
  };
  const cut = () => append({ v: 1, type: 'cut', height: engine.height });
  const fund = (n: number) =>
    append(
      governanceCommand(TEST_SPEC, `fund-${n}`, {
        kind: 'funds-in',
        participantId: 'alpha',
        currency: 'USD',
        amountMinor: String(1000 * n),
      }),
    );
  append(buildGenesis(TEST_SPEC));
  fund(1);
  cut();
  append(
    governanceCommand(TEST_SPEC, 'add-s5', {
      kind: 'add-signer',
      signer: { id: 's5', publicKey: S5.publicKeyHex },
      quorum: 4,
    }),
  );
  cut();
  fund(2);
  cut();
  append(governanceCommand(TEST_SPEC, 'remove-s2', { kind: 'remove-signer', signerId: 's2', quorum: 3 }));
  cut();
  fund(3);
  cut();
  return { engine, blocks };
}

function certificateOf(block: SealedBlock, by: string[]) {
  return {
    height: block.header.height,
    headerHash: block.headerHash,
    signatures: by.map((signerId) => ({ signerId, signature: signBytes(keyOf(signerId), block.headerHash) })),
  };
}

let prisma: LedgerPrismaClient;
let sql: Client;
let chain: ReturnType<typeof buildChain>;

beforeAll(async () => {
  await migrate(DATABASE_URL, ['s1']);
  prisma = ledgerClient(DATABASE_URL, 's1');
  const repository = new BlocksRepository(prisma);
  chain = buildChain();
  for (const block of chain.blocks) {
    await repository.saveBlock(block, signBytes(keyOf('s1'), block.headerHash));
    const set = chain.engine.signerSetAt(block.header.height);
    await repository.saveCertificate(
      certificateOf(
        block,
        set.signers.slice(0, set.quorum).map((s) => s.id),
      ),
    );
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

async function verify() {
  const source = new PrismaChainSource(prisma, { blockPageSize: 2, entryPageSize: 3 });
  const verdict = await verifyChain(source.blocks(), {
    ownSignerId: 's1',
    strayRow: (tip) => source.strayRow(tip),
  });
  return verdict.ok ? 'ok' : { height: verdict.height, reason: verdict.reason };
}

/** Replaces the certificate of `height` by one signed by `by`, verifies, and puts the original back. */
async function withCertificate(height: number, by: string[]) {
  const block = chain.blocks[height - 1];
  const original = (await sql.query(`select signatures from certificates where height = $1`, [height]))
    .rows[0].signatures as string;
  await sql.query(`update certificates set signatures = $1 where height = $2`, [
    JSON.stringify(certificateOf(block, by).signatures),
    height,
  ]);
  try {
    return await verify();
  } finally {
    await sql.query(`update certificates set signatures = $1 where height = $2`, [original, height]);
  }
}

describe('ledger:verify across signer set changes', () => {
  it('the chain changes its signer set twice', () => {
    const sets = chain.blocks.map((b) => {
      const set = chain.engine.signerSetAt(b.header.height);
      return `${set.signers.map((s) => s.id).join(',')}/${set.quorum}`;
    });
    expect(sets).toEqual([
      's1,s2,s3,s4/3',
      's1,s2,s3,s4/3',
      's1,s2,s3,s4/3', // the block that adds s5 is still certified by the set before it
      's1,s2,s3,s4,s5/4',
      's1,s2,s3,s4,s5/4', // and the block that removes s2 by the set with s2
      's1,s3,s4,s5/3',
    ]);
  });

  it('passes when every block is certified by the set in force at its height', async () => {
    expect(await verify()).toBe('ok');
  });

  it('refuses a certificate of the old set where the new one is in force, and of a signer not yet in it', async () => {
    // After s5 joined the quorum is 4: three signatures of the old set are not enough.
    expect(await withCertificate(4, ['s1', 's2', 's3'])).toEqual({
      height: 4,
      reason: 'the certificate holds 3 valid signatures, the quorum is 4',
    });
    expect(await withCertificate(4, ['s1', 's2', 's3', 's5'])).toBe('ok');
    // Before s5 joined, its signature counts for nothing.
    expect(await withCertificate(2, ['s1', 's2', 's5'])).toEqual({
      height: 2,
      reason: expect.stringContaining('s5'),
    });
    // After s2 left, its signature counts for nothing either.
    expect(await withCertificate(6, ['s1', 's2', 's3'])).toEqual({
      height: 6,
      reason: expect.stringContaining('s2'),
    });
    expect(await verify()).toBe('ok');
  });
});
