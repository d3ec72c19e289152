import { z } from 'zod';
import { fxQuoteSchema } from './fx';

/**
 * Bodies of the partners' signed write requests. The gateway validates them to answer 400 early; every
 * ledger signer validates them again, because the ledger trusts only what it can check itself.
 */
import { ID_PATTERN } from './ids';

export { ID_PATTERN };
const id = z.string().regex(ID_PATTERN, 'letters, digits and . _ : - only, at most 64');

/** Bounds of a transfer body's fields, shared with the hand-written parsers of instruction-parser.ts. */
/** In code points, as zod's `.max()` measures strings. */
export const MAX_AMOUNT_TEXT_LENGTH = 40;
export const MIN_EXPIRES_IN_MS = 1000;
export const MAX_EXPIRES_IN_MS = 7 * 24 * 3600 * 1000;

export const transferInstructionSchema = z
  .object({
    id,
    payer: id,
    payee: id,
    amount: z.string().max(MAX_AMOUNT_TEXT_LENGTH),
    currency: z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as USD'),
    /** Two-phase: reserve now, fulfil or abort later; expires after `expiresInMs` of block time. */
    twoPhase: z.boolean().optional(),
    expiresInMs: z.number().int().min(MIN_EXPIRES_IN_MS).max(MAX_EXPIRES_IN_MS).optional(),
    /**
     * Cross-currency: the FX service's signed quote. `amount` and `currency` are then the quote's send side;
     * the payee receives the quote's receive amount in its target currency.
     */
    quote: fxQuoteSchema.optional(),
  })
  .strict();
export type TransferInstruction = z.infer<typeof transferInstructionSchema>;

export const MAX_BATCH_TRANSFERS = 500;

export const transferBatchInstructionSchema = z
  .object({ transfers: z.array(transferInstructionSchema).min(1).max(MAX_BATCH_TRANSFERS) })
  .strict();
export type TransferBatchInstruction = z.infer<typeof transferBatchInstructionSchema>;

export const emptyInstructionSchema = z.object({}).strict();

/** Which instruction a signed request path carries. */
export type InstructionRoute =
  | { kind: 'transfer' }
  | { kind: 'batch' }
  | { kind: 'fulfil'; transferId: string }
  | { kind: 'abort'; transferId: string };

/**
 * The `payer` query parameter of a signed fulfil or abort (`/v1/transfers/{id}/fulfil?payer=us-send`):
 * which payer's transfer `{id}` the request means, since a transfer is known by its payer and its id.
 * Read from the query string as signed, by the gateway and by every ledger signer alike: `undefined`
 * when there is none, `null` when the query is not one this function reads the same way everywhere
 * (the parameter twice, or a value that is not an id after percent-decoding). Other parameters (`wait`)
 * are ignored.
 */
export function payerParamOf(query: string | undefined): string | undefined | null {
  if (!query) return undefined;
  let payer: string | undefined;
  for (const part of query.split('&')) {
    const eq = part.indexOf('=');
    if ((eq < 0 ? part : part.slice(0, eq)) !== 'payer') continue;
    if (payer !== undefined || eq < 0) return null;
    let value: string;
    try {
      value = decodeURIComponent(part.slice(eq + 1));
    } catch {
      return null;
    }
    if (!ID_PATTERN.test(value)) return null;
    payer = value;
  }
  return payer;
}

export function routeInstruction(path: string): InstructionRoute | null {
  if (path === '/v1/transfers') return { kind: 'transfer' };
  if (path === '/v1/transfer-batches') return { kind: 'batch' };
  const m = /^\/v1\/transfers\/([A-Za-z0-9._:-]{1,64})\/(fulfil|abort)$/.exec(path);
  if (m) return { kind: m[2] as 'fulfil' | 'abort', transferId: m[1] };
  return null;
}
