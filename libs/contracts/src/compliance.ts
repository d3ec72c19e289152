import { z } from 'zod';
import { canonicalJson, sha256Hex, verifyBytes } from '@concord/crypto';
import { ID_PATTERN } from './ids';

/**
 * The compliance service's API (POST /v1/screenings from the gateway, the officers' case queue) and its
 * signed clearances.
 *
 * Parties are shaped after ISO 20022 pacs.008 (Dbtr/Cdtr: name up to 140, postal address, date and country
 * of birth, identification) and the IVMS101 travel-rule data model (natural person: name, national
 * identification, date of birth, country of residence, account number). Their data stays with the
 * compliance service; a clearance carries only a salted commitment to it, so that a regulator can later
 * check which data a transfer carried without the data being copied to every signer.
 *
 * A clearance is signed by the compliance key over `clearanceSigningPayload`: canonical JSON (RFC 8785) of
 * the transfer's id, parties, amount, currency and the commitment. `checkClearance` is pure, so every
 * ledger signer reaches the same verdict.
 */
const id = z.string().regex(ID_PATTERN, 'letters, digits and . _ : - only, at most 64');
const country = z.string().regex(/^[A-Z]{2}$/, 'an ISO 3166-1 alpha-2 code such as PH');
const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'a date YYYY-MM-DD')
  .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)), 'not a calendar date');
const text = (max: number) => z.string().trim().min(1).max(max);

export const partyAddressSchema = z
  .object({
    street: text(140).optional(),
    town: text(35).optional(),
    postCode: text(16).optional(),
    country,
  })
  .strict();

export const partyIdentificationSchema = z
  .object({
    type: z.enum(['passport', 'national-id', 'driving-licence', 'tax-id', 'registration-number']),
    number: text(35),
    issuer: country.optional(),
  })
  .strict();

/** An originator or beneficiary (pacs.008 Dbtr/Cdtr, IVMS101 NaturalPerson or LegalPerson). */
export const partySchema = z
  .object({
    kind: z.enum(['person', 'organisation']).default('person'),
    name: text(140),
    birthDate: isoDate.optional(),
    birthCountry: country.optional(),
    /** Country of residence (person) or registration (organisation): it makes the corridor. */
    country,
    nationality: country.optional(),
    address: partyAddressSchema.optional(),
    /** IBAN, account number or wallet address at the partner. */
    account: text(64).optional(),
    identification: partyIdentificationSchema.optional(),
  })
  .strict();
export type Party = z.infer<typeof partySchema>;

/** The fields of a party that data rules can require (above a threshold of their corridor). */
export const REQUIRABLE_PARTY_FIELDS = [
  'birthDate',
  'address',
  'account',
  'identification',
  'nationality',
] as const;
export type RequirablePartyField = (typeof REQUIRABLE_PARTY_FIELDS)[number];

/** POST /v1/screenings: a transfer about to be submitted to the ledger, with who pays whom. */
export const screeningRequestSchema = z
  .object({
    transferId: id,
    payer: id,
    payee: id,
    amountMinor: z.string().regex(/^[1-9]\d{0,17}$/, 'a positive integer of minor units as a string'),
    currency: z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as USD'),
    originator: partySchema,
    beneficiary: partySchema,
  })
  .strict();
export type ScreeningRequest = z.infer<typeof screeningRequestSchema>;

/** What the ledger sees of a screening: the compliance service's signature over the transfer. */
export const clearanceSchema = z
  .object({
    transferId: id,
    payer: id,
    payee: id,
    amountMinor: z.string().regex(/^[1-9]\d{0,17}$/),
    currency: z.string().regex(/^[A-Z]{3}$/),
    /** SHA-256 of the salt and the canonical JSON of both parties, hex. */
    commitment: z.string().regex(/^[0-9a-f]{64}$/),
    keyId: z.string().regex(/^[A-Za-z0-9._:-]{1,64}$/),
    issuedAt: z.string().datetime(),
    signature: z.string().regex(/^[A-Za-z0-9_-]{86}$/, 'an Ed25519 signature, base64url'),
  })
  .strict();
export type Clearance = z.infer<typeof clearanceSchema>;

export const SCREENING_STATUSES = ['clear', 'held', 'blocked', 'released', 'rejected'] as const;
export type ScreeningStatus = (typeof SCREENING_STATUSES)[number];

/** The answer to POST /v1/screenings and GET /v1/screenings/:transferId. */
export interface ScreeningView {
  transferId: string;
  status: ScreeningStatus;
  /** Present once the transfer may go to the ledger: clear, or released by officers. */
  clearance?: Clearance;
  caseId?: string;
  /** Why a transfer is held, blocked or rejected (no personal data). */
  reasons: string[];
}

/** The bytes the compliance key signs for a clearance. */
export function clearanceSigningPayload(c: Omit<Clearance, 'signature'>): string {
  return canonicalJson({
    kind: 'concord.compliance.clearance.v1',
    transferId: c.transferId,
    payer: c.payer,
    payee: c.payee,
    amountMinor: c.amountMinor,
    currency: c.currency,
    commitment: c.commitment,
    keyId: c.keyId,
    issuedAt: c.issuedAt,
  });
}

/** The salted commitment to both parties' data: a regulator given the salt and the data can recompute it. */
export function partiesCommitment(saltHex: string, originator: Party, beneficiary: Party): string {
  return sha256Hex(`${saltHex}:${canonicalJson({ originator, beneficiary })}`);
}

export type ClearanceCheck = { ok: true } | { ok: false; reason: string };

/** Whether a clearance is signed by a known compliance key and covers exactly this transfer. */
export function checkClearance(
  clearance: Clearance,
  transfer: { transferId: string; payer: string; payee: string; amountMinor: string; currency: string },
  keys: Readonly<Record<string, string>>,
): ClearanceCheck {
  const publicKey = keys[clearance.keyId];
  if (!publicKey) return { ok: false, reason: `unknown compliance key ${clearance.keyId}` };
  for (const field of ['transferId', 'payer', 'payee', 'amountMinor', 'currency'] as const) {
    if (clearance[field] !== transfer[field])
      return { ok: false, reason: `clearance is for another ${field}` };
  }
  const { signature, ...signed } = clearance;
  if (!verifyBytes(publicKey, clearanceSigningPayload(signed), signature)) {
    return { ok: false, reason: 'clearance signature is not valid' };
  }
  return { ok: true };
}

/**
 * The bytes an officer signs with their own Ed25519 key for a decision (sent as X-Officer-Signature,
 * base64url), so that a decision is the officer's and not only the service's.
 */
export function officerDecisionPayload(d: {
  caseId: string;
  officerId: string;
  action: 'release' | 'reject';
  reason: string;
}): string {
  return canonicalJson({
    kind: 'concord.compliance.officer-decision.v1',
    caseId: d.caseId,
    officerId: d.officerId,
    action: d.action,
    reason: d.reason,
  });
}

/** POST /v1/cases/:id/release and /reject. */
export const caseDecisionSchema = z.object({ reason: text(1000) }).strict();

export const OFFICER_ID_PATTERN = /^[A-Za-z0-9._@-]{1,64}$/;

/**
 * `POST /v1/screenings` at the gateway: a partner sends the parties of a transfer before the transfer
 * (the caller is the payer; the amount is a decimal string, as in transfers). The gateway forwards it to
 * the compliance service and nothing of it to the ledger.
 */
export const partnerScreeningRequestSchema = screeningRequestSchema
  .omit({ payer: true, amountMinor: true })
  .extend({ amount: z.string().regex(/^\d{1,18}(\.\d{1,4})?$/, 'a decimal amount such as 1250.00') })
  .strict();
export type PartnerScreeningRequest = z.infer<typeof partnerScreeningRequestSchema>;

/** The answer to a partner's `POST /v1/screenings`: the outcome, not the hits (they stay with officers). */
export const partnerScreeningViewSchema = z
  .object({
    transferId: id,
    status: z.enum(SCREENING_STATUSES),
    caseId: z.string().optional().describe('the case officers review, when held'),
  })
  .strict();
export type PartnerScreeningView = z.infer<typeof partnerScreeningViewSchema>;
