import { z } from 'zod';
import canonicalizeJson from 'canonicalize';
import type { GovernanceAction } from './ledger';

/*
 * The console's HTTP API (apps/console), which its single-page web app (apps/console/web) codes against.
 *
 * This file runs in the browser too: it imports zod and `canonicalize` only (no node:crypto, no Buffer),
 * and the web app imports it by its path (libs/contracts/src/console-api.ts), not through the package
 * index, which pulls in node-only modules. Keep it that way; extend it, never rename what is here.
 *
 * Conventions:
 * - Every route is under CONSOLE_API_PREFIX (`/ops/v1`). JSON in and out; errors are RFC 9457
 *   problem+json `{ type, title, status, code, detail, errors?: [{ field, message }] }`.
 * - Authentication: `POST /ops/v1/session` sets the HttpOnly, SameSite=Strict cookie CONSOLE_SESSION_COOKIE
 *   and answers a `meResponse` carrying `csrfToken`. Every write (POST, PUT, PATCH, DELETE) other than the
 *   login itself must send that token in the CONSOLE_CSRF_HEADER header (`x-csrf-token`), or it is refused
 *   with 403 CSRF_TOKEN_INVALID. `GET /ops/v1/session` gives it again after a reload.
 * - A request without a valid session answers 401 UNAUTHENTICATED; a role that may not call a route, 403
 *   FORBIDDEN (a regulator's every write). CONSOLE_ROUTES below names the permission of each route and
 *   CONSOLE_PERMISSIONS the roles holding each permission.
 * - Money is a decimal string of minor units (`amountMinor: "125000"`), never a JSON number, except in the
 *   clearing and FX views, which pass on those services' decimal amounts (`amount: "1250.00"`).
 * - Lists are paged by keyset: the answer's `nextCursor` (opaque string, null on the last page) goes back
 *   as `?cursor=`; `limit` is 1..200 (default 50).
 * - Live updates: `GET /ops/v1/events` is a Server-Sent Events stream (EventSource, cookie auth). Each
 *   message's `event:` is one of CONSOLE_EVENT_TYPES and its `data:` the JSON of consoleEventSchemas[type].
 */

export const CONSOLE_API_PREFIX = '/ops/v1';
export const CONSOLE_SESSION_COOKIE = 'concord_console_session';
export const CONSOLE_CSRF_HEADER = 'x-csrf-token';

// ---------------------------------------------------------------------------------------------------------
// Roles and permissions

export const consoleRoleSchema = z.enum(['operator', 'regulator', 'compliance', 'admin']);
export type ConsoleRole = z.infer<typeof consoleRoleSchema>;

/**
 * Who may do what. `read` covers every page except the audit log, reports and users. A regulator holds
 * only read permissions: every write answers 403 and the web app shows no button that changes anything.
 */
export const CONSOLE_PERMISSIONS = {
  read: ['operator', 'regulator', 'compliance', 'admin'],
  'audit.read': ['operator', 'regulator', 'admin'],
  'reports.read': ['operator', 'regulator', 'admin'],
  'clearing.write': ['operator'],
  'fx.write': ['operator'],
  'alarms.acknowledge': ['operator'],
  'governance.propose': ['operator'],
  'governance.approve': ['operator'],
  'users.manage': ['admin'],
  /** The compliance service's case queue: officers, and regulators who read cases and decisions. */
  'compliance.read': ['compliance', 'regulator'],
  /** Release or reject a held transfer: compliance officers only. */
  'compliance.decide': ['compliance'],
  /** Reconciliation breaks: assign, annotate, resolve by link or write-off. */
  'reconciliation.write': ['operator'],
} as const satisfies Record<string, readonly ConsoleRole[]>;
export type ConsolePermission = keyof typeof CONSOLE_PERMISSIONS;

export function mayDo(role: ConsoleRole, permission: ConsolePermission): boolean {
  return (CONSOLE_PERMISSIONS[permission] as readonly ConsoleRole[]).includes(role);
}

// ---------------------------------------------------------------------------------------------------------
// Shared pieces

const minorString = z.string().regex(/^-?(0|[1-9]\d{0,18})$/, 'an integer of minor units as a string');
const currency = z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code');
const hex64 = z.string().regex(/^[0-9a-f]{64}$/, '64 lower-case hex characters');
const isoTime = z.string();
const ledgerId = z.string().regex(/^[A-Za-z0-9._:-]{1,64}$/, 'letters, digits and . _ : - only, at most 64');
export const consoleUsernameSchema = z
  .string()
  .regex(
    /^[a-z][a-z0-9._-]{1,31}$/,
    'lower-case letters, digits and . _ - , 2 to 32, starting with a letter',
  );
export const consolePasswordSchema = z.string().min(10, 'at least 10 characters').max(200);

export const pageQuerySchema = z
  .object({
    cursor: z.string().max(200).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strict();
const page = <T extends z.ZodType>(key: string, item: T) =>
  z.object({ [key]: z.array(item), nextCursor: z.string().nullable() });

// ---------------------------------------------------------------------------------------------------------
// Session: POST /session (login), GET /session (me), DELETE /session (logout)

export const loginRequestSchema = z
  .object({ username: z.string().min(1).max(64), password: z.string().min(1).max(200) })
  .strict();
export type LoginRequest = z.infer<typeof loginRequestSchema>;

export const consoleUserViewSchema = z.object({
  username: consoleUsernameSchema,
  role: consoleRoleSchema,
  status: z.enum(['active', 'disabled']),
  /** The genesis operator key this person approves governance with (operators only), e.g. `operator-1`. */
  operatorKeyId: z.string().nullable(),
  createdAt: isoTime,
  lastLoginAt: isoTime.nullable(),
  /** Set when too many failed logins locked the account: no login until then. */
  lockedUntil: isoTime.nullable(),
});
export type ConsoleUserView = z.infer<typeof consoleUserViewSchema>;

export const meResponseSchema = z.object({
  user: consoleUserViewSchema,
  /** Send it as `x-csrf-token` on every write. */
  csrfToken: z.string(),
  /** The session ends then unless used: each request moves it on (idle expiry), up to an absolute bound. */
  expiresAt: isoTime,
  /** The permissions of the user's role, for showing or hiding buttons. */
  permissions: z.array(z.string()),
});
export type MeResponse = z.infer<typeof meResponseSchema>;

// ---------------------------------------------------------------------------------------------------------
// Overview and signers

export const dependencyStatusSchema = z.object({
  name: z.enum(['database', 'kafka', 'clearing', 'fx']),
  up: z.boolean(),
  detail: z.string().nullable(),
  checkedAt: isoTime,
});

export const signerViewSchema = z.object({
  id: z.string(),
  publicKey: hex64,
  /** Highest height this signer voted for (sealed), and when that vote arrived. */
  lastVoteHeight: z.number().int().nullable(),
  lastVoteAt: isoTime.nullable(),
  /** The certified (finalized) height of the chain, and how far this signer's votes are behind it. */
  certifiedHeight: z.number().int().nullable(),
  lag: z.number().int().nullable(),
  /** Voted within the last SIGNER_DOWN_AFTER_MS (console config) and not lagging by more than 5 blocks. */
  up: z.boolean(),
  inSignerSet: z.boolean(),
});
export type SignerView = z.infer<typeof signerViewSchema>;

export const overviewResponseSchema = z.object({
  chain: z
    .object({
      chainId: z.string(),
      height: z.number().int(),
      headerHash: hex64,
      blockTime: isoTime,
      quorum: z.number().int(),
      governanceThreshold: z.number().int(),
    })
    .nullable(),
  signers: z.array(signerViewSchema),
  /** Final transfers per second over the last minute, and per 10-second bucket over the last 10 minutes. */
  transfersPerSecond: z.number(),
  throughput: z.array(z.object({ at: isoTime, transfers: z.number().int() })),
  /**
   * Block time to the console's receipt of the finalized block, in ms (p50, p99 over the last 5 minutes):
   * the finality latency as the console sees it (the ledger clock is the broker's append time).
   */
  finalityLatencyMs: z.object({ p50: z.number().nullable(), p99: z.number().nullable() }),
  openWindows: z.number().int(),
  activeAlarms: z.number().int(),
  dependencies: z.array(dependencyStatusSchema),
});
export type OverviewResponse = z.infer<typeof overviewResponseSchema>;

export const signersResponseSchema = z.object({ signers: z.array(signerViewSchema), quorum: z.number() });

// ---------------------------------------------------------------------------------------------------------
// Ledger explorer: blocks and transfers

export const blockSummarySchema = z.object({
  height: z.number().int(),
  headerHash: hex64,
  blockTime: isoTime,
  entryCount: z.number().int(),
  transferCount: z.number().int(),
  signerIds: z.array(z.string()),
  /**
   * When the finalized block was appended to ledger.finalized (broker time): on `block` events only, so
   * that the time from finality to the page can be measured.
   */
  finalizedAt: isoTime.optional(),
});
export type BlockSummary = z.infer<typeof blockSummarySchema>;

/** GET /blocks: newest first; `cursor` from the previous page (a height). */
export const blocksQuerySchema = pageQuerySchema;
export const blocksResponseSchema = page('blocks', blockSummarySchema);

export const transferStatusViewSchema = z.enum([
  'committed',
  'reserved',
  'fulfilled',
  'aborted',
  'expired',
  'rejected',
]);

export const consoleTransferViewSchema = z.object({
  transferId: z.string(),
  status: transferStatusViewSchema,
  reason: z.string().nullable(),
  payer: z.string(),
  payee: z.string(),
  amountMinor: minorString,
  currency,
  /** The block that recorded this status, and its time. */
  height: z.number().int(),
  blockTime: isoTime,
});
export type ConsoleTransferView = z.infer<typeof consoleTransferViewSchema>;

/**
 * GET /blocks/:height: the finalized block as the ledger published it (`block` is the `ledger.finalized`
 * message: header, headerHash, certificate, outcomes, participants, accounts, moves, postings, signerSet),
 * plus the signer set in force at that height, which the browser checks the certificate against.
 * headerHash = sha256 hex of the RFC 8785 canonical JSON of `header`; each certificate signature is
 * Ed25519 (base64url) over the UTF-8 bytes of headerHash.
 */
export const blockDetailResponseSchema = z.object({
  summary: blockSummarySchema,
  block: z.record(z.string(), z.unknown()),
  signerSet: z.object({
    signers: z.array(z.object({ id: z.string(), publicKey: hex64 })),
    quorum: z.number().int(),
  }),
});

/** GET /genesis: the genesis block (height 0 or the first finalized block) the browser trusts. */
export const genesisResponseSchema = z.object({
  chainId: z.string(),
  block: z.record(z.string(), z.unknown()),
  operators: z.array(z.object({ keyId: z.string(), publicKey: hex64 })),
  governanceThreshold: z.number().int(),
});

/** GET /transfers: newest first, filtered; `id` finds one transfer's latest status. */
export const transfersQuerySchema = pageQuerySchema
  .extend({
    id: ledgerId.optional(),
    participantId: ledgerId.optional(),
    status: transferStatusViewSchema.optional(),
    /** ISO 8601 times, block time `from <= t < to`. */
    from: z.iso.datetime({ offset: true }).optional(),
    to: z.iso.datetime({ offset: true }).optional(),
  })
  .strict();
export type TransfersQuery = z.infer<typeof transfersQuerySchema>;
export const transfersResponseSchema = page('transfers', consoleTransferViewSchema);

/** GET /transfers/:id: its latest status and every status it went through, each with its block. */
export const transferDetailResponseSchema = z.object({
  transfer: consoleTransferViewSchema,
  history: z.array(consoleTransferViewSchema),
});

/** GET /transfers/:id/proof?height=: which status's block (default the latest status's). */
export const transferProofQuerySchema = z
  .object({
    height: z.coerce
      .number()
      .int()
      .min(1)
      .max(2 ** 31 - 1)
      .optional(),
  })
  .strict();

const certificateSchema = z.array(z.object({ signerId: z.string(), signature: z.string() }));
const headerEvidenceSchema = z.object({
  chainId: z.string(),
  height: z.number().int(),
  prevHash: hex64,
  entriesRoot: hex64,
  stateRoot: hex64,
  blockTimeMs: z.number().int(),
  entryCount: z.number().int(),
  firstOffset: z.string(),
  lastOffset: z.string(),
});
const certifiedBlockSchema = z.object({
  header: headerEvidenceSchema,
  headerHash: hex64,
  certificate: certificateSchema,
});

/**
 * GET /transfers/:id/proof: the payer's and the payee's accounts at the block that recorded a status of
 * the transfer, each with its Merkle path to that block's certified state root (the tree and leaves of
 * docs/api.md "Balance proofs"), the block's header and certificate, and the certified blocks that changed
 * the signer set since the genesis. The console builds it from its own read model (account versions per
 * height) and checks its root equals the header's before answering (409 PROOF_UNAVAILABLE otherwise, for
 * heights older than its read model); the browser verifies it against the genesis alone with
 * libs/chain-verify verifyBalanceProofFromGenesis.
 */
export const transferProofResponseSchema = z.object({
  transfer: consoleTransferViewSchema,
  height: z.number().int(),
  block: certifiedBlockSchema,
  signerSetChanges: z.array(
    certifiedBlockSchema.extend({
      signerSet: z.object({
        signers: z.array(z.object({ id: z.string(), publicKey: hex64 })),
        quorum: z.number().int(),
      }),
    }),
  ),
  accounts: z.array(
    z.object({
      role: z.enum(['payer', 'payee']),
      participantId: z.string(),
      id: z.string(),
      balanceMinor: minorString,
      reservedMinor: minorString,
      proof: z.array(z.object({ hash: hex64, left: z.boolean() })),
    }),
  ),
  /** How many accounts the state root covers. */
  accountCount: z.number().int(),
});
export type TransferProofResponse = z.infer<typeof transferProofResponseSchema>;

// ---------------------------------------------------------------------------------------------------------
// Participants and accounts

export const consoleAccountViewSchema = z.object({
  id: z.string(),
  participantId: z.string(),
  currency,
  kind: z.string(),
  balanceMinor: minorString,
  reservedMinor: minorString,
  /** balance - reserved. */
  availableMinor: minorString,
  limit: z
    .union([
      z.object({ kind: z.literal('no-overdraft') }),
      z.object({ kind: z.literal('net-debit-cap'), capMinor: minorString }),
    ])
    .nullable(),
  /** Net debit cap usage in basis points (10000 = the cap is used up); null without a cap. */
  capUsageBps: z.number().int().nullable(),
  height: z.number().int(),
});
export type ConsoleAccountView = z.infer<typeof consoleAccountViewSchema>;

export const consoleParticipantViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  status: z.enum(['active', 'suspended', 'closed']),
  settlement: z.enum(['net', 'gross']),
  keys: z.array(z.object({ keyId: z.string(), publicKey: hex64 })),
  currencies: z.array(currency),
  accounts: z.array(consoleAccountViewSchema),
});
export type ConsoleParticipantView = z.infer<typeof consoleParticipantViewSchema>;
export const participantsResponseSchema = z.object({ participants: z.array(consoleParticipantViewSchema) });
/** GET /participants/:id. */
export const participantResponseSchema = z.object({ participant: consoleParticipantViewSchema });

// ---------------------------------------------------------------------------------------------------------
// Clearing (the clearing service's operator API, passed on; amounts are decimal strings)

export const windowViewSchema = z.looseObject({
  id: z.number().int(),
  currency,
  status: z.enum(['open', 'closed', 'settling', 'settled', 'aborted']),
  openedAt: isoTime,
  closedAt: isoTime.nullable(),
  settledAt: isoTime.nullable(),
  fromHeight: z.number().int().nullable(),
  toHeight: z.number().int().nullable(),
  closeReason: z.string().nullable(),
  valueDate: z.string().nullable(),
  abortedAt: isoTime.nullable(),
  carriedToWindowId: z.number().int().nullable(),
});
export const instructionViewSchema = z.looseObject({
  id: z.string(),
  windowId: z.number().int(),
  participantId: z.string(),
  currency,
  direction: z.enum(['pay-in', 'pay-out']),
  amount: z.string(),
  confirmed: z.string(),
  outstanding: z.string(),
  valueDate: z.string(),
  status: z.enum(['pending', 'partially-confirmed', 'confirmed', 'cancelled']),
});
export const windowDetailViewSchema = windowViewSchema.extend({
  gross: z.string(),
  netMoved: z.string(),
  efficiencyBps: z.number().int(),
  positions: z.array(
    z.object({ participantId: z.string(), sent: z.string(), received: z.string(), net: z.string() }),
  ),
  /** Who owes whom before netting: the picture of the window. */
  bilateral: z.array(
    z.object({ payer: z.string(), payee: z.string(), amount: z.string(), count: z.number().int() }),
  ),
});

/** GET /clearing/windows?currency=&status=: newest first. */
export const windowsQuerySchema = z
  .object({
    currency: currency.optional(),
    status: z.enum(['open', 'closed', 'settling', 'settled', 'aborted']).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .strict();
export const windowsResponseSchema = z.object({ windows: z.array(windowViewSchema) });
/** GET /clearing/windows/:id: the window with net positions and bilateral obligations, and instructions. */
export const windowDetailResponseSchema = z.object({
  window: windowDetailViewSchema,
  instructions: z.array(instructionViewSchema),
});
/** POST /clearing/windows/:currency/close (no body): answers the closed window with its instructions. */
export const closeWindowResponseSchema = windowDetailResponseSchema;
/** POST /clearing/windows/:id/abort (no body). */
export const abortWindowResponseSchema = z.object({ window: windowDetailViewSchema });
/** POST /clearing/instructions/:id/confirm: the settlement bank's reference and the amount (decimal). */
export const confirmInstructionRequestSchema = z
  .object({
    bankReference: z
      .string()
      .regex(/^[A-Za-z0-9._:/-]{1,64}$/, 'letters, digits and . _ : / - only, 1 to 64'),
    amount: z.string().regex(/^\d{1,16}(\.\d{1,4})?$/, 'a decimal amount such as 1250.00'),
  })
  .strict();
export const confirmInstructionResponseSchema = z.object({ instruction: instructionViewSchema });

// ---------------------------------------------------------------------------------------------------------
// FX (the FX service's operator API, passed on)

/** GET /fx/rates: the latest rate of every pair with source, as-of time, age and staleness. */
export const fxRatesResponseSchema = z.looseObject({
  maxAgeMs: z.number(),
  rates: z.array(z.looseObject({ pair: z.string().optional(), source: z.string().optional() })),
});
/** GET /fx/pricing/:sourceCurrency/:targetCurrency?participantId=: what is in force (null: nothing). */
export const fxPricingResponseSchema = z.object({
  spread: z.looseObject({ spreadBps: z.number().int() }).nullable(),
  fee: z.looseObject({ fixed: z.string(), percentBps: z.number().int(), min: z.string() }).nullable(),
  markup: z.looseObject({ markupBps: z.number().int() }).nullable(),
});
/** PUT /fx/spreads/:sourceCurrency/:targetCurrency. `requestedBy` is the console user, set by the server. */
export const setSpreadRequestSchema = z
  .object({ spreadBps: z.number().int().min(0).max(10_000), validFromMs: z.number().int().optional() })
  .strict();
/** PUT /fx/markups/:participantId. */
export const setMarkupRequestSchema = z
  .object({ markupBps: z.number().int().min(0).max(10_000), validFromMs: z.number().int().optional() })
  .strict();
/** PUT /fx/fees/:sourceCurrency/:targetCurrency: decimal strings in the source currency. */
export const setFeeRequestSchema = z
  .object({
    fixed: z.string().max(40),
    percentBps: z.number().int().min(0).max(10_000),
    min: z.string().max(40),
    max: z.string().max(40).nullable().optional(),
    validFromMs: z.number().int().optional(),
  })
  .strict();

// ---------------------------------------------------------------------------------------------------------
// Webhook delivery health (the gateway's gateway.webhook-deliveries topic, read by the console)

/**
 * One HTTP attempt of a webhook delivery, as the gateway publishes it on `gateway.webhook-deliveries`
 * (keyed by participant) after recording it: `delivered` (2xx), `failed` (will be retried) or `dead` (the
 * last attempt failed: the delivery is dead-lettered). The console keeps them by (delivery, attempt).
 */
export const webhookDeliveryEventSchema = z.object({
  deliveryId: z.string().min(1).max(200),
  webhookId: z.string().min(1).max(200),
  participantId: z.string().min(1).max(64),
  event: z.string().max(100),
  attempt: z.number().int().min(1),
  outcome: z.enum(['delivered', 'failed', 'dead']),
  statusCode: z.number().int().nullable(),
  error: z.string().max(500).nullable(),
  durationMs: z.number().int().min(0),
  at: isoTime,
});
export type WebhookDeliveryEvent = z.infer<typeof webhookDeliveryEventSchema>;

/** GET /webhooks/health: per participant with webhook traffic, over the last 24 hours and in all. */
export const webhookHealthSchema = z.object({
  participantId: z.string(),
  /** Deliveries that succeeded, attempts that failed, in the last 24 hours. */
  delivered24h: z.number().int(),
  failedAttempts24h: z.number().int(),
  /** Deliveries whose every attempt failed (dead letters), in all. */
  deadLetters: z.number().int(),
  lastSuccessAt: isoTime.nullable(),
  lastFailureAt: isoTime.nullable(),
  /** The newest failure: the receiver's status code or the error. */
  lastFailure: z.string().nullable(),
});
export type WebhookHealth = z.infer<typeof webhookHealthSchema>;
export const webhookHealthResponseSchema = z.object({ participants: z.array(webhookHealthSchema) });

// ---------------------------------------------------------------------------------------------------------
// Compliance case queue (the compliance service's API, passed on; the officer is the console user)

export const caseStatusSchema = z.enum(['open', 'escalated', 'released', 'rejected']);
/** GET /compliance/cases?status=: the queue (the compliance service's order). */
export const casesQuerySchema = z.object({ status: caseStatusSchema.optional() }).strict();
export const caseViewSchema = z.looseObject({
  id: z.string(),
  transferId: z.string(),
  status: caseStatusSchema,
  sanctions: z.boolean(),
  deadline: isoTime,
  createdAt: isoTime,
});
export const casesResponseSchema = z.object({ cases: z.array(caseViewSchema) });
/**
 * GET /compliance/cases/:id: the case, the transfer with both parties' data, the findings (hits with their
 * explanations, rules that fired), the decisions and both parties' history, as the service answers them.
 */
export const caseDetailResponseSchema = z.looseObject({
  case: caseViewSchema,
  transfer: z.record(z.string(), z.unknown()),
  findings: z.array(z.record(z.string(), z.unknown())),
  decisions: z.array(z.record(z.string(), z.unknown())),
  history: z.record(z.string(), z.unknown()),
});
/**
 * POST /compliance/cases/:id/release and /reject: the console user is the officer (X-Officer-Id). A case
 * with a sanctions hit is released by two different officers (the first is `approve-release`; the same
 * officer again is 409 SECOND_OFFICER_REQUIRED). `signature`: the officer's own Ed25519 signature of
 * officerDecisionPayload (libs/contracts compliance.ts), when the service has officers' keys.
 */
export const caseDecisionRequestSchema = z
  .object({
    reason: z.string().trim().min(1).max(1000),
    signature: z
      .string()
      .regex(/^[A-Za-z0-9_-]{86}$/, 'an Ed25519 signature in base64url (86 characters)')
      .optional(),
  })
  .strict();
export const caseDecisionResponseSchema = z.looseObject({
  status: z.string(),
  decision: z.record(z.string(), z.unknown()),
});

// ---------------------------------------------------------------------------------------------------------
// Reconciliation breaks (clearing's breaks API; assignment and notes kept by the console)

export const breakStatusSchema = z.enum(['open', 'linked', 'written-off']);
/** GET /reconciliation/breaks?status=&limit=: newest first. */
export const breaksQuerySchema = z
  .object({
    status: breakStatusSchema.optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .strict();
export const breakNoteSchema = z.object({
  kind: z.enum(['assign', 'note']),
  /** The assignee (assign) or the note's text. */
  text: z.string(),
  by: z.string(),
  at: isoTime,
});
export const breakViewSchema = z.looseObject({
  id: z.number().int(),
  statementId: z.number().int(),
  lineNo: z.number().int(),
  /** NO_INSTRUCTION, AMOUNT_DIFFERS, AMBIGUOUS or CONFIRMATION_REFUSED. */
  kind: z.string(),
  instructionIds: z.array(z.string()),
  detail: z.string(),
  status: breakStatusSchema,
  resolvedBy: z.string().nullable(),
  resolvedAt: isoTime.nullable(),
  /** The instruction linked, or the reason of a write-off. */
  resolution: z.string().nullable(),
  createdAt: isoTime,
  /** Who works it (the newest assignment), and its assignments and notes, oldest first. */
  assignee: z.string().nullable(),
  notes: z.array(breakNoteSchema),
});
export type BreakView = z.infer<typeof breakViewSchema>;
export const breaksResponseSchema = z.object({ breaks: z.array(breakViewSchema) });
/** POST /reconciliation/breaks/:id/assign: to a console user. */
export const assignBreakRequestSchema = z.object({ assignee: consoleUsernameSchema }).strict();
/** POST /reconciliation/breaks/:id/notes. */
export const annotateBreakRequestSchema = z.object({ note: z.string().trim().min(1).max(1000) }).strict();
/**
 * POST /reconciliation/breaks/:id/resolve: link the break's bank line to an instruction (which confirms it
 * for `amount`, decimal in its currency, default the line's), or write it off with a reason. The console
 * user is the operator (X-Operator). 409 when the break was resolved already.
 */
export const resolveBreakRequestSchema = z.discriminatedUnion('action', [
  z
    .object({
      action: z.literal('link'),
      instructionId: z.string().min(1).max(64),
      amount: z.string().max(40).optional(),
    })
    .strict(),
  z.object({ action: z.literal('write-off'), reason: z.string().trim().min(3).max(500) }).strict(),
]);
export const breakResponseSchema = z.object({ break: breakViewSchema });

// ---------------------------------------------------------------------------------------------------------
// Alarms (ledger.alarms and clearing's limit alarms)

export const alarmViewSchema = z.object({
  id: z.string(),
  source: z.enum(['ledger', 'clearing', 'dead-letter']),
  /** Ledger kinds (state-root-mismatch, no-quorum, finality-resumed, equivocation), `limit` (cap at 80 %), `dead-letter`. */
  kind: z.string(),
  height: z.number().int().nullable(),
  signerId: z.string().nullable(),
  participantId: z.string().nullable(),
  detail: z.string(),
  /** State-root mismatch: the differing accounts; no-quorum: the missing signers. */
  accounts: z.array(z.string()),
  signers: z.array(z.string()),
  /** The alarm's message as received (equivocation evidence included). */
  raw: z.record(z.string(), z.unknown()),
  raisedAt: isoTime,
  acknowledgedAt: isoTime.nullable(),
  acknowledgedBy: z.string().nullable(),
  note: z.string().nullable(),
});
export type AlarmView = z.infer<typeof alarmViewSchema>;
/** GET /alarms?state=active|acknowledged|all: newest first. */
export const alarmsQuerySchema = pageQuerySchema
  .extend({ state: z.enum(['active', 'acknowledged', 'all']).default('all') })
  .strict();
export const alarmsResponseSchema = page('alarms', alarmViewSchema);
/** POST /alarms/:id/acknowledge: 409 ALREADY_ACKNOWLEDGED when it was. */
export const acknowledgeAlarmRequestSchema = z.object({ note: z.string().max(500).optional() }).strict();
export const acknowledgeAlarmResponseSchema = z.object({ alarm: alarmViewSchema });

// ---------------------------------------------------------------------------------------------------------
// Audit log: append-only, hash-chained

export const auditEntrySchema = z.object({
  seq: z.number().int(),
  at: isoTime,
  actor: z.string(),
  role: z.string(),
  /** What was done, e.g. `clearing.window.close`, `user.add`, `session.login`. */
  action: z.string(),
  /** What it was done to, e.g. `window:USD`, `user:ops2`. */
  target: z.string().nullable(),
  /** The request: method, path and body (passwords left out). */
  request: z.record(z.string(), z.unknown()),
  outcome: z.enum(['ok', 'refused', 'failed']),
  /** The HTTP status answered and a summary of the result or the problem. */
  status: z.number().int(),
  result: z.record(z.string(), z.unknown()),
  prevHash: hex64,
  hash: hex64,
});
export type AuditEntry = z.infer<typeof auditEntrySchema>;
/** GET /audit?actor=&action=: newest first. */
export const auditQuerySchema = pageQuerySchema
  .extend({ actor: z.string().max(64).optional(), action: z.string().max(64).optional() })
  .strict();
export const auditResponseSchema = page('entries', auditEntrySchema);
/** GET /audit/verify: recomputes the chain; `firstBad` names the first row whose hash or link is wrong. */
export const auditVerifyResponseSchema = z.object({
  ok: z.boolean(),
  checked: z.number().int(),
  firstBad: z.object({ seq: z.number().int(), reason: z.string() }).nullable(),
});
/** GET /audit/export: every entry as JSON lines (application/x-ndjson), oldest first, as a download. */
export const AUDIT_EXPORT_CONTENT_TYPE = 'application/x-ndjson';

/**
 * How an audit row's hash is made: sha256 hex of `prevHash + "\n" + canonical JSON of the row's fields`
 * (seq, at, actor, role, action, target, request, outcome, status, result). The first row's prevHash is
 * 64 zeros. Offline checkers of an export recompute it the same way.
 */
export const AUDIT_GENESIS_HASH = '0'.repeat(64);
export function auditHashInput(prevHash: string, entry: Omit<AuditEntry, 'prevHash' | 'hash'>): string {
  const fields = {
    seq: entry.seq,
    at: entry.at,
    actor: entry.actor,
    role: entry.role,
    action: entry.action,
    target: entry.target,
    request: entry.request,
    outcome: entry.outcome,
    status: entry.status,
    result: entry.result,
  };
  return `${prevHash}\n${canonical(fields)}`;
}

// ---------------------------------------------------------------------------------------------------------
// Governance: M-of-N proposals approved by signatures made in the browser

export const proposalStatusSchema = z.enum(['open', 'submitted', 'enacted', 'refused', 'expired']);
export const proposalViewSchema = z.object({
  id: ledgerId,
  /** A governance action of libs/contracts ledger.ts (add-participant, set-limit, set-participant-status, ...). */
  action: z.record(z.string(), z.unknown()),
  chainId: z.string(),
  status: proposalStatusSchema,
  createdBy: z.string(),
  createdAt: isoTime,
  expiresAt: isoTime,
  threshold: z.number().int(),
  approvals: z.array(z.object({ keyId: z.string(), approvedBy: z.string(), at: isoTime })),
  /**
   * What each operator signs: governanceSigningBytes(chainId, id, action) below, i.e. the UTF-8 bytes of
   * this string. The browser recomputes it from chainId, id and action rather than trusting this copy.
   */
  signingPayload: z.string(),
  submittedAt: isoTime.nullable(),
  /** The ledger.commands offset the command was appended at. */
  commandOffset: z.string().nullable(),
  /** The block that enacted (status `enacted`) or refused (status `refused`) it. */
  enactedHeight: z.number().int().nullable(),
  /** Why the ledger refused it (e.g. GOVERNANCE_NOT_APPROVED); null otherwise. */
  refusal: z.string().nullable(),
});
export type ProposalView = z.infer<typeof proposalViewSchema>;

/**
 * POST /governance/proposals: an operator drafts a proposal. `action` is validated by the server with the
 * ledger's governanceActionSchema (field errors name `action.<path>`). `id` defaults to a generated one.
 */
export const draftProposalRequestSchema = z
  .object({
    id: ledgerId.optional(),
    action: z.record(z.string(), z.unknown()),
    /** Minutes until it expires unapproved: 1..10080, default 1440. */
    ttlMinutes: z.number().int().min(1).max(10_080).optional(),
  })
  .strict();
/** GET /governance/proposals?status=: newest first. */
export const proposalsQuerySchema = pageQuerySchema
  .extend({ status: proposalStatusSchema.optional() })
  .strict();
export const proposalsResponseSchema = page('proposals', proposalViewSchema);
/**
 * POST /governance/proposals/:id/approvals: Ed25519 signature (base64url, 64 bytes) made in the browser
 * with the operator's own key over governanceSigningBytes. 400 BAD_SIGNATURE if it does not verify against
 * the genesis operator key `keyId`; 403 if `keyId` is not the user's operatorKeyId; 409 when the proposal is
 * no longer open or the key already approved. When the approvals reach the threshold the command is sent.
 */
export const approveProposalRequestSchema = z
  .object({
    keyId: ledgerId,
    signature: z.string().regex(/^[A-Za-z0-9_-]{86}$/, 'an Ed25519 signature in base64url (86 characters)'),
  })
  .strict();
/** GET /governance/operators: the genesis operator keys and threshold (what approvals are checked against). */
export const governanceOperatorsResponseSchema = z.object({
  chainId: z.string().nullable(),
  threshold: z.number().int(),
  operators: z.array(z.object({ keyId: z.string(), publicKey: hex64 })),
});

function canonical(value: unknown): string {
  const text = canonicalizeJson(value);
  if (text === undefined) throw new TypeError('value cannot be represented as canonical JSON');
  return text;
}

/**
 * The string an operator signs to approve a proposal: the same as ledger.ts governanceSigningPayload
 * (RFC 8785 canonical JSON of the domain, chain, proposal id and action), written here without node:crypto
 * so that the browser computes exactly the bytes the ledger checks.
 */
export function governanceSigningString(
  chainId: string,
  proposalId: string,
  action: GovernanceAction,
): string {
  return canonical({ domain: 'concord-governance-v1', chainId, proposalId, action });
}

/** The bytes to sign (UTF-8 of governanceSigningString); works in browsers and Node. */
export function governanceSigningBytes(
  chainId: string,
  proposalId: string,
  action: GovernanceAction,
): Uint8Array {
  return new TextEncoder().encode(governanceSigningString(chainId, proposalId, action));
}

// ---------------------------------------------------------------------------------------------------------
// Users (admin)

export const usersResponseSchema = z.object({ users: z.array(consoleUserViewSchema) });
/** POST /users. */
export const addUserRequestSchema = z
  .object({
    username: consoleUsernameSchema,
    role: consoleRoleSchema,
    password: consolePasswordSchema,
    operatorKeyId: ledgerId.optional(),
  })
  .strict();
/** POST /users/:username/disable (no body); POST /users/:username/enable (no body). */
/** POST /users/:username/password: sets a new password, unlocks, and ends the user's sessions. */
export const resetPasswordRequestSchema = z.object({ password: consolePasswordSchema }).strict();
export const userResponseSchema = z.object({ user: consoleUserViewSchema });

// ---------------------------------------------------------------------------------------------------------
// Reports

/**
 * GET /reports/corridors?from=YYYY-MM-DD&to=YYYY-MM-DD (to exclusive, default tomorrow; at most 366 days):
 * committed and fulfilled transfers per day (UTC), payer, payee and currency. `.csv` for the CSV download
 * (columns CORRIDOR_REPORT_COLUMNS).
 */
export const corridorReportQuerySchema = z
  .object({
    from: z.iso.date().optional(),
    to: z.iso.date().optional(),
  })
  .strict();
export const CORRIDOR_REPORT_COLUMNS = ['day', 'payer', 'payee', 'currency', 'count', 'valueMinor'] as const;
export const corridorReportRowSchema = z.object({
  day: z.string(),
  payer: z.string(),
  payee: z.string(),
  currency,
  count: z.number().int(),
  valueMinor: minorString,
});
export const corridorReportResponseSchema = z.object({ rows: z.array(corridorReportRowSchema) });

// ---------------------------------------------------------------------------------------------------------
// Live events: GET /events (Server-Sent Events)

export const consoleEventSchemas = {
  /** A finalized block, pushed within a second of its arrival on ledger.finalized. */
  block: blockSummarySchema,
  /** A signer's new vote or a change of up/down. */
  signer: signerViewSchema,
  /** A new alarm, or one acknowledged. */
  alarm: alarmViewSchema,
  /** A clearing event (window.closed, window.settled, window.aborted, instruction.*). */
  window: z.object({
    type: z.string(),
    windowId: z.number().int().nullable(),
    currency: z.string().nullable(),
  }),
  /** A proposal created, approved, submitted, enacted or expired. */
  proposal: proposalViewSchema,
  /** A dependency went down or came back. */
  dependency: dependencyStatusSchema,
} as const;
export type ConsoleEventType = keyof typeof consoleEventSchemas;
export const CONSOLE_EVENT_TYPES = Object.keys(consoleEventSchemas) as ConsoleEventType[];

// ---------------------------------------------------------------------------------------------------------
// The routes, with the permission each needs (all under CONSOLE_API_PREFIX)

type Route = {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  permission: ConsolePermission | null;
};
const r = (method: Route['method'], path: string, permission: ConsolePermission | null): Route => ({
  method,
  path,
  permission,
});

export const CONSOLE_ROUTES = {
  login: r('POST', '/session', null),
  me: r('GET', '/session', null),
  logout: r('DELETE', '/session', null),
  overview: r('GET', '/overview', 'read'),
  signers: r('GET', '/signers', 'read'),
  genesis: r('GET', '/genesis', 'read'),
  blocks: r('GET', '/blocks', 'read'),
  block: r('GET', '/blocks/:height', 'read'),
  transfers: r('GET', '/transfers', 'read'),
  transfer: r('GET', '/transfers/:id', 'read'),
  transferProof: r('GET', '/transfers/:id/proof', 'read'),
  participants: r('GET', '/participants', 'read'),
  participant: r('GET', '/participants/:id', 'read'),
  webhookHealth: r('GET', '/webhooks/health', 'read'),
  windows: r('GET', '/clearing/windows', 'read'),
  window: r('GET', '/clearing/windows/:id', 'read'),
  closeWindow: r('POST', '/clearing/windows/:currency/close', 'clearing.write'),
  abortWindow: r('POST', '/clearing/windows/:id/abort', 'clearing.write'),
  confirmInstruction: r('POST', '/clearing/instructions/:id/confirm', 'clearing.write'),
  fxRates: r('GET', '/fx/rates', 'read'),
  fxPricing: r('GET', '/fx/pricing/:sourceCurrency/:targetCurrency', 'read'),
  setSpread: r('PUT', '/fx/spreads/:sourceCurrency/:targetCurrency', 'fx.write'),
  setMarkup: r('PUT', '/fx/markups/:participantId', 'fx.write'),
  setFee: r('PUT', '/fx/fees/:sourceCurrency/:targetCurrency', 'fx.write'),
  alarms: r('GET', '/alarms', 'read'),
  acknowledgeAlarm: r('POST', '/alarms/:id/acknowledge', 'alarms.acknowledge'),
  audit: r('GET', '/audit', 'audit.read'),
  auditExport: r('GET', '/audit/export', 'audit.read'),
  auditVerify: r('GET', '/audit/verify', 'audit.read'),
  governanceOperators: r('GET', '/governance/operators', 'read'),
  proposals: r('GET', '/governance/proposals', 'read'),
  proposal: r('GET', '/governance/proposals/:id', 'read'),
  draftProposal: r('POST', '/governance/proposals', 'governance.propose'),
  approveProposal: r('POST', '/governance/proposals/:id/approvals', 'governance.approve'),
  users: r('GET', '/users', 'users.manage'),
  addUser: r('POST', '/users', 'users.manage'),
  disableUser: r('POST', '/users/:username/disable', 'users.manage'),
  enableUser: r('POST', '/users/:username/enable', 'users.manage'),
  resetPassword: r('POST', '/users/:username/password', 'users.manage'),
  complianceCases: r('GET', '/compliance/cases', 'compliance.read'),
  complianceCase: r('GET', '/compliance/cases/:id', 'compliance.read'),
  releaseCase: r('POST', '/compliance/cases/:id/release', 'compliance.decide'),
  rejectCase: r('POST', '/compliance/cases/:id/reject', 'compliance.decide'),
  breaks: r('GET', '/reconciliation/breaks', 'read'),
  assignBreak: r('POST', '/reconciliation/breaks/:id/assign', 'reconciliation.write'),
  annotateBreak: r('POST', '/reconciliation/breaks/:id/notes', 'reconciliation.write'),
  resolveBreak: r('POST', '/reconciliation/breaks/:id/resolve', 'reconciliation.write'),
  corridorReport: r('GET', '/reports/corridors', 'reports.read'),
  corridorReportCsv: r('GET', '/reports/corridors.csv', 'reports.read'),
  events: r('GET', '/events', 'read'),
} as const satisfies Record<string, Route>;
export type ConsoleRouteName = keyof typeof CONSOLE_ROUTES;
