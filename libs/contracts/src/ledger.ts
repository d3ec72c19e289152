import { z } from 'zod';
import { canonicalJson } from '@concord/crypto';
import { clearanceSchema } from './compliance';
import { MAX_BATCH_TRANSFERS } from './instructions';

/**
 * Messages of the ledger topics. Amounts inside messages are decimal strings of minor units
 * (`amountMinor: "125000"`), so that no JSON number ever carries money.
 */
const id = z.string().regex(/^[A-Za-z0-9._:-]{1,64}$/, 'letters, digits and . _ : - only, at most 64');
const hex64 = z.string().regex(/^[0-9a-f]{64}$/, '64 lower-case hex characters');
const minorString = z.string().regex(/^-?(0|[1-9]\d{0,18})$/, 'an integer of minor units as a string');
const currency = z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code');
const positiveMinorString = z
  .string()
  .regex(/^[1-9]\d{0,18}$/, 'a positive integer of minor units as a string');

export const accountLimitSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('no-overdraft') }).strict(),
  z.object({ kind: z.literal('net-debit-cap'), capMinor: minorString }).strict(),
]);
export type AccountLimit = z.infer<typeof accountLimitSchema>;

export const publicKeySchema = z.object({ keyId: id, publicKey: hex64 }).strict();

/**
 * How a participant settles: `net` (the default) in settlement windows, on its prefunding and its net
 * debit caps; `gross` (continuous gross settlement) at once, each transfer against the liquidity it
 * prefunded, so that its position accounts never run on credit (no-overdraft only) and no window ever
 * settles it.
 */
export const settlementModelSchema = z.enum(['net', 'gross']);
export type SettlementModel = z.infer<typeof settlementModelSchema>;

export const participantSpecSchema = z
  .object({
    id,
    name: z.string().min(1).max(200),
    keys: z.array(publicKeySchema).min(1),
    accounts: z.array(z.object({ currency, limit: accountLimitSchema }).strict()).min(1),
    /**
     * Absent means `net`. Optional rather than defaulted: operators sign an add-participant action as they
     * wrote it, and a default filled in by the parser would change the payload their signatures cover.
     */
    settlement: settlementModelSchema.optional(),
  })
  .strict();
export type ParticipantSpec = z.infer<typeof participantSpecSchema>;

/** Why a participant spec cannot be applied as it stands: a gross participant given credit; null if fine. */
export function participantSpecProblem(p: ParticipantSpec): string | null {
  if (p.settlement !== 'gross') return null;
  const capped = p.accounts.find((a) => a.limit.kind !== 'no-overdraft');
  return capped
    ? `a gross settlement participant runs on prefunded liquidity only: ${capped.currency} must be no-overdraft`
    : null;
}

const signerSchema = z.object({ id: z.string().regex(/^[a-z0-9]{1,16}$/), publicKey: hex64 }).strict();

/** The default size bound of a block in characters of its log records (see genesis `blockMaxBytes`). */
export const DEFAULT_BLOCK_MAX_BYTES = 128 * 1024;

/** The compliance section of a genesis (see `compliance` below and clearanceThresholdOf). */
export const complianceGenesisSchema = z
  .object({
    keys: z.array(publicKeySchema).min(1),
    thresholds: z
      .array(
        z
          .object({
            currency,
            /** Minor units, "0" for every transfer in that currency. */
            fromMinor: z.string().regex(/^(0|[1-9]\d{0,18})$/, 'a non-negative integer of minor units'),
          })
          .strict(),
      )
      .min(1),
  })
  .strict()
  .refine((c) => new Set(c.thresholds.map((t) => t.currency)).size === c.thresholds.length, {
    message: 'one threshold per currency',
    path: ['thresholds'],
  });
export type ComplianceGenesis = z.infer<typeof complianceGenesisSchema>;

/**
 * The amount in minor units at or above which a transfer in `currency` needs a clearance under this
 * compliance section, or null when none does. The ledger and the gateway read the genesis alike.
 */
export function clearanceThresholdOf(
  compliance: ComplianceGenesis | undefined,
  currency: string,
): bigint | null {
  const t = compliance?.thresholds.find((x) => x.currency === currency);
  return t ? BigInt(t.fromMinor) : null;
}

export const genesisSchema = z
  .object({
    v: z.literal(1),
    type: z.literal('genesis'),
    chainId: id,
    signers: z
      .array(z.object({ id: z.string().regex(/^[a-z0-9]{1,16}$/), publicKey: hex64 }).strict())
      .min(1),
    quorum: z.number().int().min(1),
    /** Size bound of a block in entries; part of the genesis so that every signer cuts the same blocks. */
    blockMaxEntries: z.number().int().min(1).max(100_000).default(1000),
    /**
     * Size bound of a block in characters of its log records (the block seals after the record that
     * reaches it). A finalized block is about three times its records; it goes gzip-compressed (about a
     * tenth) under the broker's 1 MB default message bound. The default applies to a genesis that states
     * none, so it never changes; new consortia state theirs (libs/devtools consortium.ts: 512 Ki).
     */
    blockMaxBytes: z
      .number()
      .int()
      .min(1024)
      .max(16 * 1024 * 1024)
      .default(DEFAULT_BLOCK_MAX_BYTES),
    operators: z.array(publicKeySchema).min(1),
    participants: z.array(participantSpecSchema).min(1),
    openingFunds: z
      .array(z.object({ participantId: id, currency, amountMinor: positiveMinorString }).strict())
      .default([]),
    /** Keys of the FX service whose signed quotes the ledger accepts. */
    fxKeys: z.array(publicKeySchema).default([]),
    /** How many distinct operator keys must approve a governance proposal. */
    governanceThreshold: z.number().int().min(1).default(1),
    /**
     * Keys of the clearing service whose signed settlement postings the ledger accepts: the settlement
     * bank's confirmations of window settlements, forwarded by clearing.
     */
    settlementKeys: z.array(publicKeySchema).default([]),
    /**
     * The operator's scheme fee per currency: charged to the payer of every committed transfer in that
     * currency (the source currency of a cross-currency one) and credited to the hub's fee income account.
     */
    schemeFees: z.array(z.object({ currency, fixedMinor: positiveMinorString }).strict()).default([]),
    /**
     * Interception by compliance: the compliance service's clearance keys, and per currency the amount at
     * or above which a transfer needs a clearance signed by one of them ("0": every transfer). Absent (or
     * a currency not listed): no clearance is needed.
     */
    compliance: complianceGenesisSchema.optional(),
  })
  .strict()
  // A threshold above the number of distinct operator keys would make a chain that can never be governed.
  .refine((g) => g.governanceThreshold <= new Set(g.operators.map((k) => k.keyId)).size, {
    message: 'governanceThreshold must not exceed the number of distinct operator keys',
    path: ['governanceThreshold'],
  })
  // A gross settlement participant with a net debit cap could spend money it never prefunded, which no
  // window would ever settle: such a genesis is malformed.
  .superRefine((g, ctx) => {
    g.participants.forEach((p, i) => {
      const problem = participantSpecProblem(p);
      if (problem) ctx.addIssue({ code: 'custom', message: problem, path: ['participants', i, 'accounts'] });
    });
  });
export type GenesisCommand = z.infer<typeof genesisSchema>;

/** A partner's signed HTTP request, forwarded unchanged so that every signer can check the signature. */
export const signedRequestSchema = z
  .object({
    method: z.enum(['POST']),
    path: z.string().min(1).max(300),
    query: z.string().max(2000).optional(),
    nonce: z.string().max(64).optional(),
    body: z.string().max(1_000_000),
    created: z.number().int().nonnegative(),
    keyId: id,
  })
  .strict();

export const instructionCommandSchema = z
  .object({
    v: z.literal(1),
    type: z.literal('instruction'),
    participantId: id,
    request: signedRequestSchema,
    signature: z.string().max(200),
    /**
     * The compliance service's clearances of the transfers of this instruction, outside the partner's
     * signed request (signers verify the partner's signature over the exact body bytes): a transfer at or
     * above the genesis's compliance threshold is refused without a valid one (CLEARANCE_REQUIRED,
     * CLEARANCE_INVALID). They carry no personal data, only a salted commitment to it.
     */
    clearances: z.array(clearanceSchema).max(MAX_BATCH_TRANSFERS).optional(),
  })
  .strict();
export type InstructionCommand = z.infer<typeof instructionCommandSchema>;

/** Cuts the block at `height` if it is still open and holds entries; stale or duplicate cuts are no-ops. */
export const cutCommandSchema = z
  .object({ v: z.literal(1), type: z.literal('cut'), height: z.number().int() })
  .strict();
export type CutCommand = z.infer<typeof cutCommandSchema>;

/**
 * Consortium changes that no single party may make: each needs approvals (Ed25519 signatures over
 * `governanceSigningPayload`) from `governanceThreshold` distinct operator keys named in the genesis.
 */
export const governanceActionSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('add-participant'), participant: participantSpecSchema }).strict(),
  /** A member starts holding a currency: its position (with this limit), settlement and fee accounts. */
  z
    .object({
      kind: z.literal('add-participant-account'),
      participantId: id,
      account: z.object({ currency, limit: accountLimitSchema }).strict(),
    })
    .strict(),
  z
    .object({ kind: z.literal('set-limit'), accountId: z.string().max(80), limit: accountLimitSchema })
    .strict(),
  z
    .object({
      kind: z.literal('set-participant-status'),
      participantId: id,
      status: z.enum(['active', 'suspended', 'closed']),
    })
    .strict(),
  z.object({ kind: z.literal('add-signer'), signer: signerSchema, quorum: z.number().int().min(1) }).strict(),
  z
    .object({ kind: z.literal('remove-signer'), signerId: z.string(), quorum: z.number().int().min(1) })
    .strict(),
  /**
   * Key rotation: a participant's new signing key (its key id unused by anyone), and the revocation of an
   * old one (never the last: a participant without a key could not even complete what it reserved).
   */
  z.object({ kind: z.literal('add-participant-key'), participantId: id, key: publicKeySchema }).strict(),
  z.object({ kind: z.literal('revoke-participant-key'), participantId: id, keyId: id }).strict(),
  /** Prefunding confirmed by the settlement bank: the hub account pays the participant's position. */
  z
    .object({ kind: z.literal('funds-in'), participantId: id, currency, amountMinor: positiveMinorString })
    .strict(),
  /**
   * A withdrawal of prefunded liquidity, in two phases: this reserves the amount on the participant's
   * position (so it cannot be spent while the bank pays it out), and `funds-out-complete` posts it when
   * the settlement bank has paid, or releases it when the payout was cancelled.
   */
  z
    .object({ kind: z.literal('funds-out'), participantId: id, currency, amountMinor: positiveMinorString })
    .strict(),
  z
    .object({
      kind: z.literal('funds-out-complete'),
      /** The proposal id of the `funds-out` it completes. */
      fundsOutProposalId: id,
      outcome: z.enum(['paid', 'cancelled']),
    })
    .strict(),
]);
export type GovernanceAction = z.infer<typeof governanceActionSchema>;

export const governanceCommandSchema = z
  .object({
    v: z.literal(1),
    type: z.literal('governance'),
    /** Unique per chain: a proposal is applied at most once. */
    proposalId: id,
    action: governanceActionSchema,
    approvals: z
      .array(z.object({ keyId: id, signature: z.string().max(200) }).strict())
      .min(1)
      .max(32),
  })
  .strict();
export type GovernanceCommand = z.infer<typeof governanceCommandSchema>;

/** What each operator signs to approve a proposal: bound to the chain so it cannot be replayed elsewhere. */
export function governanceSigningPayload(
  chainId: string,
  proposalId: string,
  action: GovernanceAction,
): string {
  return canonicalJson({ domain: 'concord-governance-v1', chainId, proposalId, action });
}

/**
 * A settlement posting: the settlement bank confirmed (part of) a window's settlement instruction, and the
 * clearing service forwards it signed with a genesis settlement key. A pay-in (the participant paid its
 * net debit) moves the amount from its settlement account to its position; a pay-out (it was paid its
 * net credit) moves it from its position to its settlement account. `reverses` undoes an earlier posting
 * (a confirmation recorded in error), which must have the same participant, currency, direction and amount.
 */
export const settlementCommandSchema = z
  .object({
    v: z.literal(1),
    type: z.literal('settlement'),
    /** Unique per chain: the same posting id is applied at most once. */
    postingId: id,
    participantId: id,
    currency,
    direction: z.enum(['pay-in', 'pay-out']),
    amountMinor: positiveMinorString,
    /** The window, instruction and bank reference it settles, for the record. */
    reference: z.string().min(1).max(200),
    reverses: id.optional(),
    keyId: id,
    /** Ed25519 over settlementSigningPayload, base64url. */
    signature: z.string().max(200),
  })
  .strict();
export type SettlementCommand = z.infer<typeof settlementCommandSchema>;

/** What the clearing service signs for a settlement posting, bound to the chain. */
export function settlementSigningPayload(chainId: string, cmd: Omit<SettlementCommand, 'signature'>): string {
  return canonicalJson({
    domain: 'concord-settlement-v1',
    chainId,
    postingId: cmd.postingId,
    participantId: cmd.participantId,
    currency: cmd.currency,
    direction: cmd.direction,
    amountMinor: cmd.amountMinor,
    reference: cmd.reference,
    reverses: cmd.reverses ?? null,
    keyId: cmd.keyId,
  });
}

export const ledgerCommandSchema = z.discriminatedUnion('type', [
  genesisSchema,
  instructionCommandSchema,
  cutCommandSchema,
  governanceCommandSchema,
  settlementCommandSchema,
]);
export type LedgerCommand = z.infer<typeof ledgerCommandSchema>;

export const blockHeaderSchema = z
  .object({
    chainId: id,
    height: z.number().int().nonnegative(),
    prevHash: hex64,
    entriesRoot: hex64,
    stateRoot: hex64,
    blockTimeMs: z.number().int().nonnegative(),
    entryCount: z.number().int().nonnegative(),
    firstOffset: z.string().regex(/^\d+$/),
    lastOffset: z.string().regex(/^\d+$/),
  })
  .strict();
export type BlockHeader = z.infer<typeof blockHeaderSchema>;

export const voteSchema = z
  .object({
    v: z.literal(1),
    signerId: z.string(),
    header: blockHeaderSchema,
    headerHash: hex64,
    signature: z.string(),
    /** `id|balance|reserved` of every account the block changed, so that a disagreement can be located. */
    changedAccounts: z.array(z.string()),
  })
  .strict();
export type Vote = z.infer<typeof voteSchema>;

/**
 * Also on the votes topic, which every signer reads: "the finalized block of `height` is on the finalized
 * topic", sent by the signer that published it, so that the others stand their fallback publishers down
 * without reading the finalized blocks themselves. Keyed `published:<height>`, so that no reader of the
 * topic mistakes it for a vote.
 */
export const publishedNoticeSchema = z
  .object({
    v: z.literal(1),
    type: z.literal('published'),
    height: z.number().int().positive(),
    signerId: z.string(),
  })
  .strict();
export type PublishedNotice = z.infer<typeof publishedNoticeSchema>;

/** What the votes topic carries: votes (no `type`) and published notices. */
export const votesTopicMessageSchema = z.union([voteSchema, publishedNoticeSchema]);

export const transferStatusSchema = z.enum([
  'committed',
  'reserved',
  'fulfilled',
  'aborted',
  'expired',
  'rejected',
]);
export type TransferStatus = z.infer<typeof transferStatusSchema>;

/**
 * The ledger's key of a transfer: a transfer is known by its payer and the id the payer gave it, so that
 * two partners may use the same id. `/` occurs in no id (ID_PATTERN), so the key names one (payer, id).
 * State, posting ids (`<key>`, `<key>:fee`...) and every read model that needs a unique key use it;
 * what partners see keeps `id` and `payer` apart.
 */
export function transferKey(payer: string, id: string): string {
  return payer + '/' + id;
}

/** The payer and the id of a transfer key or posting id (`<payer>/<id>[:fee]`); null for other postings. */
export function splitTransferKey(key: string): { payer: string; id: string } | null {
  const slash = key.indexOf('/');
  return slash <= 0 ? null : { payer: key.slice(0, slash), id: key.slice(slash + 1) };
}

export const transferOutcomeSchema = z
  .object({
    transferId: id,
    status: transferStatusSchema,
    reason: z.string().optional(),
    /**
     * The instruction was refused and the transfer's recorded state (if it has one) did not change: a
     * forged or malformed command, a fulfil by the wrong party, a modified duplicate.
     */
    refusal: z.literal(true).optional(),
    payer: z.string(),
    payee: z.string(),
    amountMinor: minorString,
    currency,
  })
  .strict();
export type TransferOutcome = z.infer<typeof transferOutcomeSchema>;

export const finalizedBlockSchema = z
  .object({
    v: z.literal(1),
    header: blockHeaderSchema,
    headerHash: hex64,
    certificate: z.array(z.object({ signerId: z.string(), signature: z.string() }).strict()),
    outcomes: z.array(transferOutcomeSchema),
    /** Members whose registration changed in this block (all of them in the genesis block). */
    participants: z
      .array(
        z
          .object({
            id,
            name: z.string(),
            keys: z.array(publicKeySchema),
            currencies: z.array(currency),
            status: z.enum(['active', 'suspended', 'closed']),
            /** How it settles (see settlementModelSchema); blocks from before the field say nothing: net. */
            settlement: settlementModelSchema.default('net'),
          })
          .strict(),
      )
      .default([]),
    /** The governance proposals this block enacted or refused (with the reason), in ledger order. */
    proposals: z
      .array(
        z
          .object({
            proposalId: z.string(),
            kind: z.string(),
            status: z.enum(['enacted', 'refused']),
            reason: z.string().optional(),
          })
          .strict(),
      )
      .default([]),
    /** Every account the block changed, as it stands after the block. */
    accounts: z
      .array(
        z
          .object({
            id: z.string(),
            participantId: z.string(),
            currency,
            kind: z.string(),
            balanceMinor: minorString,
            reservedMinor: minorString,
            /** The account's limit; absent on accounts without one (hub, settlement, fee accounts). */
            limit: accountLimitSchema.optional(),
          })
          .strict(),
      )
      .default([]),
    /**
     * Money this block moved between two different participants (postings between their position and fee
     * accounts; hub, settlement and within-participant postings left out), summed per payer, payee and
     * currency in that order. A cross-currency transfer shows as its legs: payer to FX provider in the
     * source currency, FX provider to payee in the target currency. Clearing nets these.
     */
    moves: z
      .array(
        z
          .object({ payer: id, payee: id, currency, amountMinor: minorString, count: z.number().int() })
          .strict(),
      )
      .default([]),
    /**
     * Every posting of the block in ledger order: the legs of transfers (`<key>`, `<key>:fee`,
     * `<key>:spread`, `<key>:scheme-fee`, where `<key>` is `<payer>/<id>`, see transferKey), prefunding,
     * withdrawals and settlement postings. Statements are made of these.
     */
    postings: z
      .array(
        z
          .object({
            transferId: z.string(),
            debitAccount: z.string(),
            creditAccount: z.string(),
            amountMinor: minorString,
            currency,
          })
          .strict(),
      )
      .default([]),
    /** The signer set and quorum when this block set or changed them (the genesis block always does). */
    signerSet: z
      .object({
        signers: z.array(z.object({ id: z.string(), publicKey: hex64 }).strict()),
        quorum: z.number().int(),
        /** The first height it signs: 1 for the genesis block's, h + 1 for a change sealed in block h. */
        fromHeight: z.number().int().optional(),
      })
      .strict()
      .optional(),
  })
  .strict();
export type FinalizedBlock = z.infer<typeof finalizedBlockSchema>;

/** A header as a signer signed it: the header, its hash (what the signature covers) and the signature. */
export const signedHeaderSchema = z
  .object({ header: blockHeaderSchema, headerHash: hex64, signature: z.string() })
  .strict();
export type SignedHeader = z.infer<typeof signedHeaderSchema>;

/**
 * Proof that `signerId` equivocated: it signed two different headers of one chain at `height`. Anyone with
 * the signer's public key can check it offline (`checkEquivocation` in apps/ledger/src/votes).
 */
export const equivocationEvidenceSchema = z
  .object({
    signerId: z.string(),
    height: z.number().int().nonnegative(),
    first: signedHeaderSchema,
    second: signedHeaderSchema,
  })
  .strict();
export type EquivocationEvidence = z.infer<typeof equivocationEvidenceSchema>;

export const alarmSchema = z
  .object({
    v: z.literal(1),
    /**
     * `no-quorum`: no header can reach the quorum at `height`, or finality stood still past the configured
     * time (then `signers` names those whose votes are missing); `finality-resumed` clears the latter.
     * `equivocation`: `signerId` signed two different headers at `height`; `evidence` holds both.
     * `clock-jump`: the broker's log time jumped further than LEDGER_CLOCK_JUMP_MAX_MS from the signer's
     * clock (forward: the signer waits instead of following) or back from the ledger clock.
     */
    kind: z.enum(['state-root-mismatch', 'no-quorum', 'finality-resumed', 'equivocation', 'clock-jump']),
    height: z.number().int(),
    signerId: z.string(),
    signers: z.array(z.string()).optional(),
    detail: z.string(),
    accounts: z.array(z.string()).default([]),
    evidence: equivocationEvidenceSchema.optional(),
  })
  .strict();
export type Alarm = z.infer<typeof alarmSchema>;

export const deadLetterSchema = z
  .object({
    topic: z.string(),
    partition: z.number().int(),
    offset: z.string(),
    key: z.string().nullable(),
    value: z.string(),
    reason: z.string(),
    service: z.string(),
  })
  .strict();
export type DeadLetter = z.infer<typeof deadLetterSchema>;
