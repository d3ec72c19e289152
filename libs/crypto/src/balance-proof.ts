import { verifyBytes } from './ed25519';
import { canonicalJson, sha256Hex } from './hash';
import { leafHash, ProofStep, verifyMerkleProof } from './merkle';

/**
 * Light-client check of one account balance: the account's leaf, its Merkle path to the state root of a
 * block header, the header's hash and a quorum certificate over that hash. Whoever holds the consortium's
 * signer set (from the genesis) can check a balance without trusting the node that served it.
 */

export interface CertificateSignature {
  signerId: string;
  signature: string;
}

export interface CertificateSigner {
  id: string;
  publicKey: string;
}

export interface CertificateCheck {
  /** Signers whose signature over the header hash verifies, each counted once, in certificate order. */
  validSigners: string[];
  /** Every other entry of the certificate and why it does not count. */
  rejected: {
    index: number;
    signerId: string;
    problem: 'unknown signer' | 'duplicate signer' | 'invalid signature';
  }[];
}

/**
 * Sorts the entries of a certificate into valid, distinct signer signatures over `headerHash` and the rest.
 * The policy (is a stray entry fatal?) is the caller's: a light client needs only a quorum of valid ones,
 * an audit of a signer's own store accepts nothing the vote counter would not have produced.
 */
export function checkCertificate(
  headerHash: string,
  certificate: readonly CertificateSignature[],
  signers: readonly CertificateSigner[],
): CertificateCheck {
  const keys = new Map(signers.map((s) => [s.id, s.publicKey]));
  const validSigners: string[] = [];
  const rejected: CertificateCheck['rejected'] = [];
  certificate.forEach((entry, index) => {
    // Certificates often come from JSON: anything that is not a {signerId, signature} of strings is junk.
    const signerId = typeof entry?.signerId === 'string' ? entry.signerId : '';
    const signature = typeof entry?.signature === 'string' ? entry.signature : '';
    const key = keys.get(signerId);
    if (key === undefined) rejected.push({ index, signerId, problem: 'unknown signer' });
    else if (validSigners.includes(signerId)) rejected.push({ index, signerId, problem: 'duplicate signer' });
    else if (!verifyBytes(key, headerHash, signature))
      rejected.push({ index, signerId, problem: 'invalid signature' });
    else validSigners.push(signerId);
  });
  return { validSigners, rejected };
}

/**
 * The state-root leaf of an account. This duplicates `accountLeaf` of apps/ledger (libs may not import
 * apps); apps/ledger/src/verify/balance-proof.spec.ts checks that the two formulas stay the same.
 */
export function accountLeafHash(accountId: string, balanceMinor: string, reservedMinor: string): Buffer {
  return leafHash(`${accountId}|${balanceMinor}|${reservedMinor}`);
}

export interface BalanceProofInput {
  accountId: string;
  /** Decimal string of minor units, as the ledger prints a bigint (no leading zeros, no plus sign). */
  balanceMinor: string;
  reservedMinor: string;
  proof: readonly ProofStep[];
  /** The block header whose state root the proof leads to (any header object; only its hash counts). */
  header: { stateRoot: string } & Record<string, unknown>;
  headerHash: string;
  certificate: readonly CertificateSignature[];
  /** The signer set and quorum in force, from a genesis the verifier trusts. */
  signers: readonly CertificateSigner[];
  quorum: number;
}

export type BalanceProofResult = { ok: true } | { ok: false; reason: string };

const MINOR = /^-?(0|[1-9]\d*)$/;

export function verifyBalanceProof(input: BalanceProofInput): BalanceProofResult {
  const fail = (reason: string): BalanceProofResult => ({ ok: false, reason });
  const { signers, quorum } = input;
  const ids = new Set(signers.map((s) => s.id));
  if (ids.size !== signers.length) return fail('the signer set names a signer twice');
  // The same rule as the ledger's genesis and governance: below floor(2n/3) + 1, two quorums may share only
  // signers who sign two headers at one height, so two conflicting headers could both be certified.
  const minimum = Math.floor((2 * signers.length) / 3) + 1;
  if (!Number.isInteger(quorum) || quorum > signers.length || quorum < minimum) {
    return fail(
      `quorum ${quorum} is not Byzantine-safe for the ${signers.length} signers (at least ${minimum}, at most ${signers.length})`,
    );
  }
  if (!MINOR.test(input.balanceMinor) || input.balanceMinor === '-0')
    return fail('balanceMinor is not an integer string');
  if (!MINOR.test(input.reservedMinor) || input.reservedMinor === '-0')
    return fail('reservedMinor is not an integer string');

  let computedHash: string;
  try {
    computedHash = sha256Hex(canonicalJson(input.header));
  } catch {
    return fail('the header cannot be hashed');
  }
  if (computedHash !== input.headerHash) return fail('the header does not hash to headerHash');

  const { validSigners } = checkCertificate(input.headerHash, input.certificate, signers);
  if (validSigners.length < quorum) {
    return fail(
      `the certificate holds ${validSigners.length} valid signer signatures, the quorum is ${quorum}`,
    );
  }

  const leaf = accountLeafHash(input.accountId, input.balanceMinor, input.reservedMinor);
  const wellFormed = input.proof.every((s) => /^[0-9a-f]{64}$/.test(s?.hash) && typeof s.left === 'boolean');
  if (!wellFormed || !verifyMerkleProof(leaf, input.proof, input.header.stateRoot)) {
    return fail('the Merkle proof does not lead from the account leaf to the state root');
  }
  return { ok: true };
}
