import {
  BlockEvidence,
  entryHashOf,
  headerHashOf,
  StateReplay,
  parseKeyFile,
  publicKeyOfSeed,
  signWithSeed,
  verifyFromGenesis,
  verifySignature,
} from '@concord/chain-verify';
import { signBytes, verifyBytes } from '@concord/crypto';
import { governanceCommand, signerKey } from '../../../../libs/devtools/src/demo/consortium';
import { LedgerEngine } from '../engine/ledger-engine';
import type { SealedBlock } from '../engine/engine.types';
import { buildTestChain, certify, TEST_SPEC } from './test/chain-fixture';

/**
 * libs/chain-verify re-implements the ledger's hashes and signature checks for the browser (with
 * @noble/*); these tests hold it to blocks sealed by the real engine and certified with real signer keys.
 */
/** A sealed block as a server would give it; with `engine`, the proofs of every account at the tip. */
function evidence(block: SealedBlock, engine?: LedgerEngine, by?: string[]): BlockEvidence {
  return {
    header: block.header,
    headerHash: block.headerHash,
    certificate: certify(TEST_SPEC, block, by).signatures,
    entries: block.entries.map((e) => ({
      offset: e.offset.toString(),
      timestampMs: e.timestampMs,
      payload: e.payload,
      rejection: e.rejection ?? null,
      outcomes: e.outcomesJson,
      postings: e.postingsJson,
    })),
    accounts: engine ? proofs(engine) : undefined,
  };
}

function proofs(engine: LedgerEngine): BlockEvidence['accounts'] {
  return [...engine.accounts.keys()].map((id) => {
    const { account, proof } = engine.balanceProof(id)!;
    const balanceMinor = account.balanceMinor.toString();
    return { id, balanceMinor, reservedMinor: account.reservedMinor.toString(), proof };
  });
}

describe('chain-verify agrees with the ledger engine', () => {
  const chain = buildTestChain();
  const blocks = chain.blocks;
  const tip = blocks[blocks.length - 1];

  it('hashes every header and entry as the engine does', () => {
    for (const block of blocks) {
      expect(headerHashOf(block.header)).toBe(block.headerHash);
      const ev = evidence(block);
      ev.entries!.forEach((e, i) => expect(entryHashOf(e)).toBe(block.entries[i].hash));
    }
  });

  it('verifies every block, and every account path at the tip, from the genesis alone', () => {
    for (const block of blocks) {
      const verdict = verifyFromGenesis({
        genesisBlock: evidence(blocks[0]),
        trustedGenesisHash: blocks[0].headerHash,
        signerChanges: [],
        block: evidence(block, block === tip ? chain.engine : undefined),
      });
      expect({ height: block.header.height, failed: verdict.checks.filter((c) => !c.ok) }).toEqual({
        height: block.header.height,
        failed: [],
      });
    }
    const atTip = verifyFromGenesis({
      genesisBlock: evidence(blocks[0]),
      signerChanges: [],
      block: evidence(tip, chain.engine),
    });
    expect(atTip.checks.filter((c) => c.name.startsWith('state root path')).length).toBe(
      chain.engine.accounts.size,
    );
  });

  it('refuses a tampered header, entry, balance, certificate or genesis', () => {
    const genesisBlock = evidence(blocks[0]);
    const check = (block: BlockEvidence, pinned?: string) =>
      verifyFromGenesis({ genesisBlock, trustedGenesisHash: pinned, signerChanges: [], block });
    const good = evidence(tip, chain.engine);
    expect(check(good).ok).toBe(true);
    expect(check({ ...good, header: { ...good.header, blockTimeMs: good.header.blockTimeMs + 1 } }).ok).toBe(
      false,
    );
    const entries = good.entries!.map((e, i) => (i === 0 ? { ...e, timestampMs: e.timestampMs + 1 } : e));
    expect(check({ ...good, entries }).ok).toBe(false);
    const accounts = good.accounts!.map((a, i) =>
      i === 0 ? { ...a, balanceMinor: `${a.balanceMinor}1` } : a,
    );
    expect(check({ ...good, accounts }).ok).toBe(false);
    expect(check({ ...good, certificate: good.certificate.slice(0, 2) }).ok).toBe(false);
    const doubled = [good.certificate[0], good.certificate[0], good.certificate[1]];
    expect(check({ ...good, certificate: doubled }).ok).toBe(false);
    expect(check(good, '0'.repeat(64)).ok).toBe(false);
  });

  it('checks signatures with the strict rules node:crypto applies', () => {
    const signature = signBytes(signerKey(TEST_SPEC, 's1'), tip.headerHash);
    const key = chain.genesis.signers.find((s) => s.id === 's1')!.publicKey;
    expect(verifySignature(key, tip.headerHash, signature)).toBe(true);
    expect(verifySignature(key, `${tip.headerHash}0`, signature)).toBe(false);
    const flipped = `${signature.slice(0, 10)}${signature[10] === 'A' ? 'B' : 'A'}${signature.slice(11)}`;
    expect(verifySignature(key, tip.headerHash, flipped)).toBe(verifyBytes(key, tip.headerHash, flipped));
    expect(verifySignature(key, tip.headerHash, flipped)).toBe(false);
  });
});

describe('chain-verify follows signer set changes made by governance', () => {
  it('checks a block after add-signer against the new set, computed from the entries', () => {
    const spec = { ...TEST_SPEC, chainId: 'verify-governance', governanceThreshold: 2 };
    const chain = buildTestChain(spec);
    const engine = chain.engine;
    const s5 = signerKey(spec, 's5');
    const action = {
      kind: 'add-signer',
      signer: { id: 's5', publicKey: s5.publicKeyHex },
      quorum: 4,
    } as const;
    let offset = BigInt(chain.records.length);
    const apply = (value: unknown) =>
      engine.apply({ offset: offset++, timestampMs: 1_770_000_000_000, value: JSON.stringify(value) });
    apply(governanceCommand(spec, 'g-s5', action));
    const changeBlock = apply({ v: 1, type: 'cut', height: engine.height })!;
    apply(
      governanceCommand(spec, 'g-none', {
        kind: 'set-participant-status',
        participantId: 'delta',
        status: 'suspended',
      }),
    );
    const after = apply({ v: 1, type: 'cut', height: engine.height })!;
    expect(changeBlock.signerSet?.signers).toHaveLength(5);

    const ev = (b: SealedBlock, by: string[]): BlockEvidence => ({
      ...evidence(b),
      certificate: by.map((id) => ({
        signerId: id,
        signature: signBytes(signerKey(spec, id), b.headerHash),
      })),
    });
    const genesisBlock = ev(chain.blocks[0], ['s1', 's2', 's3']);
    const withChange = verifyFromGenesis({
      genesisBlock,
      signerChanges: [ev(changeBlock, ['s1', 's2', 's3'])],
      block: ev(after, ['s2', 's3', 's4', 's5']),
    });
    expect(withChange.checks.filter((c) => !c.ok)).toEqual([]);
    expect(withChange.signerSet).toMatchObject({ quorum: 4, fromHeight: changeBlock.header.height + 1 });
    // Without the change block, s5 is unknown and 3 valid signatures are below no quorum: refused.
    const withoutChange = verifyFromGenesis({
      genesisBlock,
      signerChanges: [],
      block: ev(after, ['s2', 's5']),
    });
    expect(withoutChange.ok).toBe(false);
  });
});

describe('StateReplay rebuilds the state root from finalized block messages', () => {
  const chain = buildTestChain();
  const message = (b: SealedBlock) => ({
    header: b.header,
    participants: b.participantsChanged,
    accounts: b.changedAccounts.map((a) => ({
      id: a.id,
      balanceMinor: a.balanceMinor.toString(),
      reservedMinor: a.reservedMinor.toString(),
    })),
  });

  it('gives every block its sealed state root, and the engine paths at the tip', () => {
    const replay = new StateReplay();
    for (const block of chain.blocks) {
      replay.apply(message(block));
      expect({ height: block.header.height, root: replay.root() }).toEqual({
        height: block.header.height,
        root: block.header.stateRoot,
      });
    }
    expect(replay.accountCount).toBe(chain.engine.accounts.size);
    for (const id of chain.engine.accounts.keys()) {
      expect(replay.proof(id)!.proof).toEqual(chain.engine.balanceProof(id)!.proof);
    }
  });

  it('gives another root when a message lies about one balance', () => {
    const replay = new StateReplay();
    const [first, ...rest] = chain.blocks.map(message);
    replay.apply(first);
    for (const m of rest.slice(0, -1)) replay.apply(m);
    const last = rest[rest.length - 1];
    const lying = last.accounts.map((a, i) =>
      i === 0 ? { ...a, balanceMinor: String(BigInt(a.balanceMinor) + 1n) } : a,
    );
    replay.apply({ ...last, accounts: lying });
    expect(replay.root()).not.toBe(last.header.stateRoot);
  });
});

describe('browser signing agrees with the ledger keys', () => {
  it('derives the same public key and signs what node:crypto verifies', () => {
    const key = signerKey(TEST_SPEC, 's1');
    expect(publicKeyOfSeed(key.seedHex)).toBe(key.publicKeyHex);
    const signature = signWithSeed(key.seedHex, 'concord-governance-v1 payload');
    expect(verifyBytes(key.publicKeyHex, 'concord-governance-v1 payload', signature)).toBe(true);
    expect(parseKeyFile(JSON.stringify({ keyId: 'operator-1', seedHex: key.seedHex }))).toEqual({
      keyId: 'operator-1',
      seedHex: key.seedHex,
    });
    expect(() => parseKeyFile('{"keyId":"x"}')).toThrow(/no 32-byte hex seed/);
  });
});
