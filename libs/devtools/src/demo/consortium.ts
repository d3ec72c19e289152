import {
  GenesisCommand,
  GovernanceAction,
  GovernanceCommand,
  governanceSigningPayload,
  SettlementCommand,
  settlementSigningPayload,
} from '@concord/contracts';
import { sha256Hex, signBytes, signingKeyFromSeed, SigningKey } from '@concord/crypto';

/**
 * The block size bound that the genesis of a new consortium states: four times the schema's default (which
 * stays what it was, since a genesis that states none must keep cutting the same blocks on replay). Under
 * heavy traffic a block then carries up to ~3,000 transfers instead of ~1,400, so that the fixed cost of
 * a block is shared by twice as many (`npm run bench`); its finalized message, gzip-compressed, stays a
 * few hundred KB.
 */
export const CONSORTIUM_BLOCK_MAX_BYTES = 512 * 1024;

/**
 * A consortium described in one place: the participants with their keys and accounts, the signer nodes
 * and the operators. Keys are derived from a name and a secret word so that the demo and the tests can
 * rebuild the same keys in another process without passing private keys around. Never use derived keys
 * outside a demo or a test.
 */
export interface ConsortiumSpec {
  chainId: string;
  secret: string;
  signerCount: number;
  quorum: number;
  blockMaxEntries?: number;
  /** Size bound of a block in characters of its log records (default CONSORTIUM_BLOCK_MAX_BYTES). */
  blockMaxBytes?: number;
  /** Operator keys of the consortium (default 3) and how many must approve a proposal (default 2). */
  operatorCount?: number;
  governanceThreshold?: number;
  /** The participant that provides FX liquidity (FX_PROVIDER_ID of the FX service). */
  fxProvider?: string;
  /**
   * Interception by compliance: per currency the amount in minor units at or above which a transfer needs
   * a clearance signed by the compliance key (complianceKey); unset, the genesis has no compliance section.
   */
  clearanceThresholds?: { currency: string; fromMinor: string }[];
  participants: {
    id: string;
    name: string;
    currencies: string[];
    capMinor?: bigint;
    fundsMinor?: bigint;
    /** Continuous gross settlement (`gross`, no cap allowed) or windows (`net`, the default). */
    settlement?: 'net' | 'gross';
  }[];
}

export function derivedKey(secret: string, name: string): SigningKey & { seedHex: string } {
  const seedHex = sha256Hex(`${secret}:${name}`);
  return { ...signingKeyFromSeed(seedHex), seedHex };
}

export function signerIds(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `s${i + 1}`);
}

/**
 * The smallest Byzantine-safe quorum of `signers` signers, floor(2n/3) + 1: the ledger refuses a genesis or
 * a signer change with less (INVALID_QUORUM, apps/ledger/src/engine/quorum-rule.ts), because two smaller
 * quorums may share only a faulty signer, who could then certify two different blocks.
 */
export function minimumQuorum(signers: number): number {
  return Math.floor((2 * signers) / 3) + 1;
}

/** Why `quorum` cannot govern `signers` signers, in words that name the bound; null when it can. */
export function quorumProblem(signers: number, quorum: number): string | null {
  const least = minimumQuorum(signers);
  if (quorum >= least && quorum <= signers) return null;
  return `quorum ${quorum} of ${signers} signers is not Byzantine-safe: it must be at least floor(2n/3) + 1 = ${least} and at most ${signers}`;
}

export function buildGenesis(spec: ConsortiumSpec): GenesisCommand {
  // The ledger would refuse such a genesis and wait for another: say so here, where it is being written.
  const problem = quorumProblem(spec.signerCount, spec.quorum);
  if (problem) throw new Error(`consortium ${spec.chainId}: ${problem}`);
  return {
    v: 1,
    type: 'genesis',
    chainId: spec.chainId,
    signers: signerIds(spec.signerCount).map((id) => ({
      id,
      publicKey: derivedKey(spec.secret, `signer:${id}`).publicKeyHex,
    })),
    quorum: spec.quorum,
    blockMaxEntries: spec.blockMaxEntries ?? 1000,
    blockMaxBytes: spec.blockMaxBytes ?? CONSORTIUM_BLOCK_MAX_BYTES,
    operators: operatorIds(spec).map((keyId) => ({
      keyId,
      publicKey: derivedKey(spec.secret, keyId).publicKeyHex,
    })),
    governanceThreshold: spec.governanceThreshold ?? 2,
    fxKeys: [{ keyId: fxKey(spec).keyId, publicKey: fxKey(spec).key.publicKeyHex }],
    settlementKeys: [{ keyId: settlementKey(spec).keyId, publicKey: settlementKey(spec).key.publicKeyHex }],
    schemeFees: [],
    ...(spec.clearanceThresholds
      ? {
          compliance: {
            keys: [{ keyId: complianceKey(spec).keyId, publicKey: complianceKey(spec).key.publicKeyHex }],
            thresholds: spec.clearanceThresholds,
          },
        }
      : {}),
    participants: spec.participants.map((p) => ({
      id: p.id,
      name: p.name,
      keys: [
        { keyId: `${p.id}-1`, publicKey: derivedKey(spec.secret, `participant:${p.id}:1`).publicKeyHex },
      ],
      accounts: p.currencies.map((currency) => ({
        currency,
        limit:
          p.capMinor === undefined
            ? ({ kind: 'no-overdraft' } as const)
            : ({ kind: 'net-debit-cap', capMinor: p.capMinor.toString() } as const),
      })),
      ...(p.settlement === undefined ? {} : { settlement: p.settlement }),
    })),
    openingFunds: spec.participants.flatMap((p) =>
      p.fundsMinor === undefined
        ? []
        : p.currencies.map((currency) => ({
            participantId: p.id,
            currency,
            amountMinor: p.fundsMinor!.toString(),
          })),
    ),
  };
}

export function operatorIds(spec: Pick<ConsortiumSpec, 'operatorCount'>): string[] {
  return Array.from({ length: spec.operatorCount ?? 3 }, (_, i) => `operator-${i + 1}`);
}

/** A governance command approved by the given operators (by default the first `threshold` of them). */
export function governanceCommand(
  spec: ConsortiumSpec,
  proposalId: string,
  action: GovernanceAction,
  approvers: string[] = operatorIds(spec).slice(0, spec.governanceThreshold ?? 2),
): GovernanceCommand {
  const payload = governanceSigningPayload(spec.chainId, proposalId, action);
  return {
    v: 1,
    type: 'governance',
    proposalId,
    action,
    approvals: approvers.map((keyId) => ({
      keyId,
      signature: signBytes(derivedKey(spec.secret, keyId), payload),
    })),
  };
}

/** A settlement posting signed with the consortium's clearing key, as the clearing service sends it. */
export function settlementCommand(
  spec: ConsortiumSpec,
  fields: Omit<SettlementCommand, 'v' | 'type' | 'keyId' | 'signature'>,
): SettlementCommand {
  const { keyId, key } = settlementKey(spec);
  const unsigned = { v: 1 as const, type: 'settlement' as const, ...fields, keyId };
  return { ...unsigned, signature: signBytes(key, settlementSigningPayload(spec.chainId, unsigned)) };
}

export function participantKey(spec: Pick<ConsortiumSpec, 'secret'>, participantId: string) {
  return { keyId: `${participantId}-1`, key: derivedKey(spec.secret, `participant:${participantId}:1`) };
}

export function signerKey(spec: Pick<ConsortiumSpec, 'secret'>, signerId: string) {
  return derivedKey(spec.secret, `signer:${signerId}`);
}

/**
 * The FX service's quote-signing key (FX_SIGNING_KEY is its seedHex); the ledger checks quotes against its
 * public key. For the demo consortium this is DEMO_FX_SIGNING_KEY of libs/config.
 */
export function fxKey(spec: Pick<ConsortiumSpec, 'secret'>) {
  return { keyId: 'fx-1', key: derivedKey(spec.secret, 'fx:quote-signer') };
}

/**
 * The clearing service's settlement-posting key (CLEARING_SETTLEMENT_KEY is its seedHex); the ledger
 * accepts settlement postings signed with it.
 */
export function settlementKey(spec: Pick<ConsortiumSpec, 'secret'>) {
  return { keyId: 'clearing-1', key: derivedKey(spec.secret, 'clearing:settlement-signer') };
}

/**
 * The compliance service's clearance-signing key (COMPLIANCE_SIGNING_KEY is its seedHex); the ledger
 * checks clearances against its public key. For the demo consortium this is DEMO_COMPLIANCE_SIGNING_KEY.
 */
export function complianceKey(spec: Pick<ConsortiumSpec, 'secret'>) {
  return { keyId: 'compliance-1', key: derivedKey(spec.secret, 'compliance:clearance-signer') };
}

/**
 * Transfers of about 1,000 USD or more need a clearance in the demo (docs/compliance.md): under it a
 * transfer goes as it always did.
 */
export const DEMO_CLEARANCE_THRESHOLDS = [
  { currency: 'HKD', fromMinor: '800000' },
  { currency: 'PHP', fromMinor: '5000000' },
  { currency: 'SGD', fromMinor: '130000' },
  { currency: 'USD', fromMinor: '100000' },
];

/** The demo consortium that `npm start` runs: four partners in four currencies, four signers, quorum 3. */
export const DEMO_CONSORTIUM: ConsortiumSpec = {
  chainId: 'concord-demo',
  fxProvider: 'sg-fx',
  secret: 'concord-demo-not-secret',
  signerCount: 4,
  quorum: 3,
  clearanceThresholds: DEMO_CLEARANCE_THRESHOLDS,
  participants: [
    {
      id: 'hk-remit',
      name: 'Harbour Remit (Hong Kong)',
      currencies: ['HKD', 'USD', 'PHP', 'SGD'],
      fundsMinor: 100_000_000n,
    },
    {
      id: 'mnl-payout',
      name: 'Manila Payout Co.',
      currencies: ['HKD', 'USD', 'PHP', 'SGD'],
      fundsMinor: 100_000_000n,
      // A payout company on prefunded liquidity, settled transfer by transfer: the demo shows both models.
      settlement: 'gross',
    },
    {
      id: 'sg-fx',
      name: 'Lion FX Liquidity (Singapore)',
      currencies: ['HKD', 'USD', 'PHP', 'SGD'],
      fundsMinor: 500_000_000n,
    },
    {
      id: 'us-send',
      name: 'Liberty Send (US)',
      currencies: ['USD', 'PHP'],
      capMinor: 5_000_000n,
      fundsMinor: 10_000_000n,
    },
  ],
};
