import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { BalanceProofView, GenesisView, SignerSetList } from '@concord/contracts';
import { signingKeyFromSeed } from '@concord/crypto';
import { startTestNetwork, TestNetwork } from '@concord/testing';
import { DEMO_CONSORTIUM } from '../../../libs/devtools/src/demo/consortium';
import { REPO_ROOT } from '../../../libs/devtools/src/database/prisma';

jest.setTimeout(120_000);

const run = promisify(execFile);

/**
 * A partner checks a balance proof with the independent verifier of docs/examples (Python's hashlib and
 * the OpenSSL CLI, none of Concord's code), anchored in the genesis it compared with the agreed hash.
 */
describe('balance proofs checked by the independent verifier', () => {
  let net: TestNetwork;
  const dir = mkdtempSync(join(tmpdir(), 'concord-proof-'));

  /** Runs docs/examples/verify_proof.py on a proof and a trusted signer set; its exit code and line. */
  async function verifier(proof: unknown, trusted: unknown): Promise<{ code: number; line: string }> {
    const proofFile = join(dir, 'proof.json');
    const setFile = join(dir, 'set.json');
    writeFileSync(proofFile, JSON.stringify(proof));
    writeFileSync(setFile, JSON.stringify(trusted));
    const script = join(REPO_ROOT, 'docs/examples/verify_proof.py');
    return run('python3', [script, proofFile, setFile]).then(
      ({ stdout }) => ({ code: 0, line: stdout.trim() }),
      (e: { code: number; stdout: string }) => ({ code: e.code, line: e.stdout.trim() }),
    );
  }

  beforeAll(async () => {
    net = await startTestNetwork(DEMO_CONSORTIUM, {
      only: ['ledger-s1', 'ledger-s2', 'ledger-s3', 'ledger-s4', 'gateway'],
    });
  });

  afterAll(async () => {
    await net?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the genesis and the signer sets, and a proof the verifier accepts, and refuses altered ones', async () => {
    const client = net.client('hk-remit');
    const genesis = (await client.request<GenesisView>('GET', '/v1/ledger/genesis')).body;
    // What the consortium agreement would state: the genesis header hash, as every signer stored it.
    const [stored] = await net.query(`select header_hash from ledger_s1.blocks where height = 1`);
    expect(genesis.headerHash).toBe(stored.header_hash);
    expect(genesis.header.height).toBe(1);
    expect(genesis.signerSet).toMatchObject({ fromHeight: 1, quorum: 3 });
    const sets = (await client.request<SignerSetList>('GET', '/v1/ledger/signer-sets')).body;
    expect(sets.signerSets).toEqual([genesis.signerSet]);

    const trusted = { signers: genesis.signerSet.signers, quorum: genesis.signerSet.quorum };
    const proof = (await client.balanceProof('hk-remit/USD')).body as BalanceProofView;
    const ok = await verifier(proof, trusted);
    expect(ok).toEqual({
      code: 0,
      line: `proof ok: hk-remit/USD balance ${proof.account.balanceMinor} at block ${proof.header.height}`,
    });

    const richer = {
      ...proof,
      account: { ...proof.account, balanceMinor: `${BigInt(proof.account.balanceMinor) + 1n}` },
    };
    expect(await verifier(richer, trusted)).toEqual({
      code: 1,
      line: "proof invalid: the Merkle path does not lead from the account's leaf to the state root",
    });
    const rewritten = { ...proof, header: { ...proof.header, stateRoot: '0'.repeat(64) } };
    expect(await verifier(rewritten, trusted)).toEqual({
      code: 1,
      line: 'proof invalid: the header does not hash to headerHash',
    });
    // Two of the four keys are not the ones the certificate was signed with: no quorum of trusted signers.
    const strangers = trusted.signers.map((s, i) =>
      i < 2 ? { ...s, publicKey: signingKeyFromSeed(`${i + 1}`.repeat(64)).publicKeyHex } : s,
    );
    const short = await verifier(proof, { signers: strangers, quorum: 3 });
    expect(short.code).toBe(1);
    expect(short.line).toMatch(/^proof invalid: [0-2] valid signatures of trusted signers, the quorum is 3$/);
  });
});
