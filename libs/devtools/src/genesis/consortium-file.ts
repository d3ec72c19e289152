import { readFileSync } from 'node:fs';
import { GenesisCommand, genesisSchema } from '@concord/contracts';
import { canonicalJson, publicKeyFromHex, sha256Hex } from '@concord/crypto';
import {
  complianceKey,
  DEMO_CONSORTIUM,
  derivedKey,
  fxKey,
  operatorIds,
  participantKey,
  quorumProblem,
  settlementKey,
  signerKey,
  signerIds,
} from '../demo/consortium';

/**
 * A consortium file (deploy/consortium/*.consortium.json) states what a genesis states, with public keys
 * only: each organisation generates its own key pair (`npm run ledger:genesis -- keygen`) and sends the
 * operator its public key; the private halves stay in each organisation's own secret store. The file is
 * the genesis command without `v` and `type` (see genesisSchema in libs/contracts), plus an optional
 * "$comment". `demo: true` marks the one file whose keys come from the public demo seed.
 */
export interface ConsortiumFile extends Omit<GenesisCommand, 'v' | 'type'> {
  $comment?: string;
  demo?: boolean;
}

export class ConsortiumError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`${file}: ${problems.length} problem(s):\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConsortiumError';
  }
}

/** Every public key derivable from the public demo seed: no real consortium may name one of them. */
export function demoPublicKeys(): Map<string, string> {
  const spec = DEMO_CONSORTIUM;
  const keys = new Map<string, string>();
  for (const id of signerIds(16)) keys.set(signerKey(spec, id).publicKeyHex, `demo signer ${id}`);
  for (const id of operatorIds({ operatorCount: 16 }))
    keys.set(derivedKey(spec.secret, id).publicKeyHex, `demo ${id}`);
  for (const p of spec.participants) keys.set(participantKey(spec, p.id).key.publicKeyHex, `demo ${p.id}`);
  keys.set(fxKey(spec).key.publicKeyHex, 'demo FX key');
  keys.set(settlementKey(spec).key.publicKeyHex, 'demo settlement key');
  keys.set(complianceKey(spec).key.publicKeyHex, 'demo compliance key');
  return keys;
}

/** Every (path, public key) pair of a genesis, for the key checks. */
function publicKeysOf(g: GenesisCommand): [string, string][] {
  return [
    ...g.signers.map((s, i): [string, string] => [`signers.${i}.publicKey`, s.publicKey]),
    ...g.operators.map((k, i): [string, string] => [`operators.${i}.publicKey`, k.publicKey]),
    ...g.fxKeys.map((k, i): [string, string] => [`fxKeys.${i}.publicKey`, k.publicKey]),
    ...g.settlementKeys.map((k, i): [string, string] => [`settlementKeys.${i}.publicKey`, k.publicKey]),
    ...(g.compliance?.keys ?? []).map((k, i): [string, string] => [
      `compliance.keys.${i}.publicKey`,
      k.publicKey,
    ]),
    ...g.participants.flatMap((p, i) =>
      p.keys.map((k, j): [string, string] => [`participants.${i}.keys.${j}.publicKey`, k.publicKey]),
    ),
  ];
}

/** What the ledger would refuse, or what would make the chain unsafe, beyond the schema. */
function genesisProblems(g: GenesisCommand, demo: boolean): string[] {
  const problems: string[] = [];
  const quorum = quorumProblem(g.signers.length, g.quorum);
  if (quorum) problems.push(`quorum: ${quorum}`);
  const ids = g.signers.map((s) => s.id);
  if (new Set(ids).size !== ids.length) problems.push(`signers: duplicate id in ${ids.join(', ')}`);
  const seen = new Map<string, string>();
  const demoKeys = demo ? new Map<string, string>() : demoPublicKeys();
  for (const [path, key] of publicKeysOf(g)) {
    if (!publicKeyFromHex(key)) problems.push(`${path}: not a valid Ed25519 public key`);
    const first = seen.get(key);
    // One key per role and organisation: a shared key would let one secret act in two roles.
    if (first !== undefined) problems.push(`${path}: the same key as ${first}`);
    seen.set(key, path);
    const demoName = demoKeys.get(key);
    if (demoName) problems.push(`${path}: the public ${demoName} key (derived from the demo seed)`);
  }
  return problems;
}

/** Reads, validates and turns a consortium file into the genesis command; throws a ConsortiumError. */
export function genesisFromFile(file: string): { genesis: GenesisCommand; demo: boolean } {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ConsortiumError(file, [(e as Error).message]);
  }
  const { $comment, demo, ...fields } = raw as ConsortiumFile;
  void $comment;
  const parsed = genesisSchema.safeParse({ v: 1, type: 'genesis', ...fields });
  if (!parsed.success) {
    throw new ConsortiumError(
      file,
      parsed.error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`),
    );
  }
  const problems = genesisProblems(parsed.data, demo === true);
  if (problems.length > 0) throw new ConsortiumError(file, problems);
  return { genesis: parsed.data, demo: demo === true };
}

/** The genesis hash every organisation compares before its signer starts: SHA-256 of its canonical JSON. */
export function genesisHash(genesis: GenesisCommand): string {
  return sha256Hex(canonicalJson(genesis));
}
