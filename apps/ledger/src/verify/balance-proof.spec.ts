import fc from 'fast-check';
import { accountLeafHash, verifyBalanceProof } from '@concord/crypto';
import { accountLeaf } from '../engine/ledger-engine';
import { buildTestChain, certify, TEST_SPEC } from './test/chain-fixture';

/**
 * libs/crypto duplicates the engine's state-root leaf formula (libs may not import apps); these tests
 * tie the two together so that they can never drift apart.
 */
describe('verifyBalanceProof against the engine', () => {
  const chain = buildTestChain();
  const tip = chain.blocks[chain.blocks.length - 1];
  const certificate = certify(TEST_SPEC, tip).signatures;

  it('verifies the engine balance proof of every account at the tip', () => {
    expect(chain.engine.stateRoot()).toBe(tip.header.stateRoot);
    expect(chain.engine.accounts.size).toBeGreaterThan(5);
    for (const id of chain.engine.accounts.keys()) {
      const { account, proof } = chain.engine.balanceProof(id)!;
      const result = verifyBalanceProof({
        accountId: account.id,
        balanceMinor: account.balanceMinor.toString(),
        reservedMinor: account.reservedMinor.toString(),
        proof,
        header: tip.header,
        headerHash: tip.headerHash,
        certificate,
        signers: chain.engine.signers,
        quorum: chain.engine.quorum,
      });
      expect({ id, result }).toEqual({ id, result: { ok: true } });
    }
  });

  it('refuses an engine proof with a balance one minor unit off', () => {
    const { account, proof } = chain.engine.balanceProof('alpha/USD')!;
    const result = verifyBalanceProof({
      accountId: account.id,
      balanceMinor: (account.balanceMinor + 1n).toString(),
      reservedMinor: account.reservedMinor.toString(),
      proof,
      header: tip.header,
      headerHash: tip.headerHash,
      certificate,
      signers: chain.engine.signers,
      quorum: chain.engine.quorum,
    });
    expect(result.ok).toBe(false);
  });

  it('computes the same leaf as the engine for any account', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Za-z0-9._:-]{1,20}\/[A-Z]{3}$/),
        fc.bigInt(-(10n ** 18n), 10n ** 18n),
        fc.bigInt(0n, 10n ** 18n),
        (id, balanceMinor, reservedMinor) => {
          const engineLeaf = accountLeaf({ id, balanceMinor, reservedMinor });
          expect(
            accountLeafHash(id, balanceMinor.toString(), reservedMinor.toString()).equals(engineLeaf),
          ).toBe(true);
        },
      ),
    );
  });
});
