import { Clearance, clearanceSigningPayload } from '@concord/contracts';
import { canonicalJson, sha256Hex, signBytes, signingKeyFromSeed, SigningKey } from '@concord/crypto';

/** A decision as recorded: chained to the case's previous decision by its hash. */
export interface DecisionRecord {
  caseId: string;
  officerId: string;
  action: string;
  reason: string;
  at: string;
  prevHash: string;
}

export const GENESIS_DECISION_HASH = '0'.repeat(64);

/**
 * The compliance service's Ed25519 key: it signs clearances (which every ledger signer checks) and each
 * officer's decision, whose hash also chains to the decision before it, so that a decision removed or
 * altered afterwards shows.
 */
export class ComplianceSigner {
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

  clearance(fields: Omit<Clearance, 'signature' | 'keyId' | 'issuedAt'>, issuedAt: Date): Clearance {
    const unsigned = { ...fields, keyId: this.keyId, issuedAt: issuedAt.toISOString() };
    return { ...unsigned, signature: signBytes(this.key, clearanceSigningPayload(unsigned)) };
  }

  decision(record: DecisionRecord): { hash: string; signature: string; keyId: string } {
    const hash = sha256Hex(canonicalJson({ kind: 'concord.compliance.decision.v1', ...record }));
    return { hash, signature: signBytes(this.key, hash), keyId: this.keyId };
  }
}
