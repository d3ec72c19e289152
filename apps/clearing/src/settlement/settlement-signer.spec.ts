import { clearingSchema, DEMO_CLEARING_SETTLEMENT_KEY, loadConfig } from '@concord/config';
import { settlementCommandSchema, settlementSigningPayload } from '@concord/contracts';
import { verifyBytes } from '@concord/crypto';
import { buildGenesis, DEMO_CONSORTIUM, settlementKey } from '../../../../libs/devtools/src/demo/consortium';
import {
  confirmationPostingId,
  refusedPostings,
  reversalPostingId,
  SettlementSigner,
} from './settlement-signer';
import { finalizedBlock } from '../../test/fixtures';

describe('settlement signer', () => {
  it('the demo settlement key is the one the demo consortium derives and names in its genesis', () => {
    expect(settlementKey(DEMO_CONSORTIUM).key.seedHex).toBe(DEMO_CLEARING_SETTLEMENT_KEY);
    const config = loadConfig(clearingSchema, {});
    expect(config.CLEARING_SETTLEMENT_KEY).toBe(DEMO_CLEARING_SETTLEMENT_KEY);
    expect(config.CLEARING_SETTLEMENT_KEY_ID).toBe(settlementKey(DEMO_CONSORTIUM).keyId);
    const signer = new SettlementSigner(config.CLEARING_SETTLEMENT_KEY, config.CLEARING_SETTLEMENT_KEY_ID);
    expect(buildGenesis(DEMO_CONSORTIUM).settlementKeys).toEqual([
      { keyId: 'clearing-1', publicKey: signer.publicKeyHex },
    ]);
  });

  it('signs a posting the ledger accepts for its chain only', () => {
    const signer = new SettlementSigner(DEMO_CLEARING_SETTLEMENT_KEY, 'clearing-1');
    const command = signer.sign('concord-demo', {
      postingId: reversalPostingId(7),
      participantId: 'us-send',
      currency: 'USD',
      direction: 'pay-in',
      amountMinor: '90000',
      reference: 'reversal: window 3 instruction w3.us-send bank b-2',
      reverses: confirmationPostingId(7),
    });
    expect(settlementCommandSchema.parse(JSON.parse(JSON.stringify(command)))).toEqual(command);
    const { signature, ...unsigned } = command;
    expect(
      verifyBytes(signer.publicKeyHex, settlementSigningPayload('concord-demo', unsigned), signature),
    ).toBe(true);
    expect(
      verifyBytes(signer.publicKeyHex, settlementSigningPayload('other-chain', unsigned), signature),
    ).toBe(false);
    // Changing what is posted breaks the signature.
    expect(
      verifyBytes(
        signer.publicKeyHex,
        settlementSigningPayload('concord-demo', { ...unsigned, amountMinor: '90001' }),
        signature,
      ),
    ).toBe(false);
    expect([confirmationPostingId(7), reversalPostingId(7)]).toEqual(['conf-7', 'rev-7']);
  });

  it('finds the postings the ledger refused in a block, but not repeats of applied ones nor transfers', () => {
    const block = finalizedBlock(9, [
      { transferId: 'settlement:conf-1', status: 'committed', payer: 'a', payee: 'hub' },
      { transferId: 'settlement:conf-2', status: 'rejected', refusal: true, reason: 'UNKNOWN_ACCOUNT' },
      { transferId: 'settlement:conf-1', status: 'rejected', refusal: true, reason: 'DUPLICATE_POSTING' },
      { transferId: 't-9', status: 'rejected', refusal: true, reason: 'INVALID_SIGNATURE' },
    ]);
    expect(refusedPostings(block)).toEqual([{ postingId: 'conf-2', reason: 'UNKNOWN_ACCOUNT' }]);
  });
});
