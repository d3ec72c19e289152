/** What the verifier is given about a block. Everything in it is untrusted until checked. */

export interface HeaderEvidence {
  chainId: string;
  height: number;
  prevHash: string;
  entriesRoot: string;
  stateRoot: string;
  blockTimeMs: number;
  entryCount: number;
  firstOffset: string;
  lastOffset: string;
}

export interface CertificateEntry {
  signerId: string;
  signature: string;
}

/** One stored entry: its raw log record and what the ledger recorded of it. */
export interface EntryEvidence {
  offset: string;
  timestampMs: number;
  /** The raw log record value (JSON text of the command). */
  payload: string;
  rejection: string | null;
  /** Canonical JSON arrays, or the arrays themselves. */
  outcomes: string | unknown[];
  postings: string | unknown[];
}

/** An account as the block left it, with its Merkle path to the block's state root. */
export interface AccountEvidence {
  id: string;
  balanceMinor: string;
  reservedMinor: string;
  proof: { hash: string; left: boolean }[];
}

export interface BlockEvidence {
  header: HeaderEvidence;
  headerHash: string;
  certificate: CertificateEntry[];
  /** The block's entries in order; without them, the entries root and governance cannot be checked. */
  entries?: EntryEvidence[];
  accounts?: AccountEvidence[];
}

export interface Signer {
  id: string;
  publicKey: string;
}

export interface SignerSet {
  signers: Signer[];
  quorum: number;
  /** The first height this set signs. */
  fromHeight: number;
}

/** What a verifier trusts: the chain's genesis command, and optionally the genesis header hash. */
export interface TrustedGenesis {
  chainId: string;
  signers: Signer[];
  quorum: number;
  operators: { keyId: string; publicKey: string }[];
  governanceThreshold: number;
}

export interface Check {
  /** Short name of what was checked. */
  name: string;
  ok: boolean;
  detail: string;
}

export interface Verdict {
  ok: boolean;
  checks: Check[];
}
