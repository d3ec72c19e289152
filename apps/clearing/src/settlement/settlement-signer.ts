import { FinalizedBlock, SettlementCommand, settlementSigningPayload } from '@concord/contracts';
import { signBytes, signingKeyFromSeed, SigningKey } from '@concord/crypto';

/** The fields of a settlement posting that clearing decides; the signer adds version, type and key. */
export type SettlementPosting = Omit<SettlementCommand, 'v' | 'type' | 'keyId' | 'signature'>;

/**
 * Signs the ledger settlement postings that clearing sends (CLEARING_SETTLEMENT_KEY, a key named in the
 * genesis `settlementKeys` under CLEARING_SETTLEMENT_KEY_ID). The signature binds the chain id, so a
 * posting cannot be replayed on another chain.
 */
export class SettlementSigner {
  private readonly key: SigningKey;

  constructor(
    seedHex: string,
    readonly keyId: string,
  ) {
    this.key = signingKeyFromSeed(seedHex);
  }

  get publicKeyHex(): string {
    return this.key.publicKeyHex;
  }

  sign(chainId: string, posting: SettlementPosting): SettlementCommand {
    const unsigned = { v: 1 as const, type: 'settlement' as const, ...posting, keyId: this.keyId };
    return { ...unsigned, signature: signBytes(this.key, settlementSigningPayload(chainId, unsigned)) };
  }
}

/** The posting id of a confirmation, and of its reversal: one each per confirmation row, ever. */
export function confirmationPostingId(confirmationId: number): string {
  return `conf-${confirmationId}`;
}
export function reversalPostingId(confirmationId: number): string {
  return `rev-${confirmationId}`;
}

/**
 * The settlement postings the ledger refused in a block, by posting id and reason: positions that did not
 * move although the bank settled. A repeat of a posting already applied (DUPLICATE_POSTING) is not one:
 * the outbox publishes at least once.
 */
export function refusedPostings(block: FinalizedBlock): { postingId: string; reason: string }[] {
  return block.outcomes
    .filter(
      (o) =>
        o.transferId.startsWith('settlement:') &&
        o.status === 'rejected' &&
        o.refusal === true &&
        o.reason !== 'DUPLICATE_POSTING',
    )
    .map((o) => ({ postingId: o.transferId.slice('settlement:'.length), reason: o.reason ?? 'UNKNOWN' }));
}
