import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildGenesis, DEMO_CONSORTIUM, signerKey } from '../demo/consortium';
import { ConsortiumError, ConsortiumFile, genesisFromFile, genesisHash } from './consortium-file';

const DIR = path.resolve(__dirname, '..', '..', '..', '..', 'deploy', 'consortium');
const EXAMPLE = path.join(DIR, 'example.consortium.json');
const DEMO = path.join(DIR, 'demo.consortium.json');

/** The example file with `change` applied, written to a temporary file. */
function variant(change: (file: ConsortiumFile) => void): string {
  const file = JSON.parse(readFileSync(EXAMPLE, 'utf8')) as ConsortiumFile;
  change(file);
  const out = path.join(mkdtempSync(path.join(tmpdir(), 'consortium-')), 'c.json');
  writeFileSync(out, JSON.stringify(file));
  return out;
}

function problemsOf(file: string): string[] {
  try {
    genesisFromFile(file);
  } catch (e) {
    if (e instanceof ConsortiumError) return e.problems;
    throw e;
  }
  return [];
}

describe('consortium files', () => {
  it('the demo file is the genesis `npm start` publishes, marked as demo', () => {
    const { genesis, demo } = genesisFromFile(DEMO);
    expect(demo).toBe(true);
    expect(genesisHash(genesis)).toBe(genesisHash(buildGenesis(DEMO_CONSORTIUM)));
  });

  it('the example file is a valid genesis with no demo key', () => {
    const { genesis, demo } = genesisFromFile(EXAMPLE);
    expect(demo).toBe(false);
    expect(genesis.quorum).toBeGreaterThanOrEqual(Math.floor((2 * genesis.signers.length) / 3) + 1);
    expect(genesisHash(genesis)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses a quorum below floor(2n/3) + 1', () => {
    expect(problemsOf(variant((f) => (f.quorum = 2)))).toEqual([
      'quorum: quorum 2 of 4 signers is not Byzantine-safe: it must be at least floor(2n/3) + 1 = 3 and at most 4',
    ]);
  });

  it('refuses a key derived from the demo seed in a file not marked demo', () => {
    const demoKey = signerKey(DEMO_CONSORTIUM, 's2').publicKeyHex;
    expect(problemsOf(variant((f) => (f.signers[1].publicKey = demoKey)))).toEqual([
      'signers.1.publicKey: the public demo signer s2 key (derived from the demo seed)',
    ]);
  });

  it('refuses one key in two roles, an invalid key, and a schema error naming the field', () => {
    const problems = problemsOf(
      variant((f) => {
        f.operators[0].publicKey = f.signers[0].publicKey;
        f.participants[0].keys[0].publicKey = 'ab';
      }),
    );
    expect(problems).toEqual(['participants.0.keys.0.publicKey: 64 lower-case hex characters']);
    expect(problemsOf(variant((f) => (f.operators[0].publicKey = f.signers[0].publicKey)))).toEqual([
      'operators.0.publicKey: the same key as signers.0.publicKey',
    ]);
  });
});
