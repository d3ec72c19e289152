import { fxQuoteSchema } from './fx';
import { ID_PATTERN } from './ids';
import {
  MAX_AMOUNT_TEXT_LENGTH,
  MAX_BATCH_TRANSFERS,
  MAX_EXPIRES_IN_MS,
  MIN_EXPIRES_IN_MS,
  TransferBatchInstruction,
  TransferInstruction,
} from './instructions';

/*
 * Hand-written equivalents of `transferInstructionSchema.safeParse` and
 * `transferBatchInstructionSchema.safeParse`, for the ledger's hot path: every signer validates every
 * transfer of every batch, and zod's generic walk (a payload object and an issues array per field, a fresh
 * object per level) was one of the largest costs of applying a batch. They accept exactly the inputs the
 * schemas accept and return the same value: a fresh object with the schema's keys in the schema's order,
 * an optional key present (even as undefined) only when the input has it. They give no reason for a
 * refusal; callers that need one (the gateway's 400 answers) keep using the schemas.
 *
 * instruction-parser.spec.ts compares them with zod on generated valid and malformed bodies and fails as
 * soon as the schema gains or loses a field, so a change to the schema cannot silently leave them behind.
 */

/** The longest id ID_PATTERN allows; isId checks lengths and characters without the regex. */
const ID_MAX_LENGTH = 64;

/** ID_CHAR[c] is 1 for the character codes ID_PATTERN allows (all below 128), derived from the pattern. */
const ID_CHAR = new Uint8Array(128);
for (let c = 0; c < 128; c++) ID_CHAR[c] = ID_PATTERN.test(String.fromCharCode(c)) ? 1 : 0;

/** = typeof v === 'string' && ID_PATTERN.test(v); a table lookup per character is about twice as fast. */
function isId(v: unknown): v is string {
  if (typeof v !== 'string') return false;
  const n = v.length;
  if (n === 0 || n > ID_MAX_LENGTH) return false;
  for (let i = 0; i < n; i++) {
    const c = v.charCodeAt(i);
    if (c >= 128 || ID_CHAR[c] === 0) return false;
  }
  return true;
}

/** = /^[A-Z]{3}$/.test(v) for a string. */
function isCurrencyCode(v: unknown): v is string {
  if (typeof v !== 'string' || v.length !== 3) return false;
  const a = v.charCodeAt(0);
  const b = v.charCodeAt(1);
  const c = v.charCodeAt(2);
  return a >= 65 && a <= 90 && b >= 65 && b <= 90 && c >= 65 && c <= 90;
}

/**
 * The length zod's `.max()` measures a string in: code points, so a surrogate pair counts once (and a
 * lone surrogate once). A string of at most that many UTF-16 units never needs counting.
 */
function codePointLength(s: string): number {
  let count = s.length;
  for (let i = 0; i < s.length - 1; i++) {
    if ((s.charCodeAt(i) & 0xfc00) === 0xd800 && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      count -= 1;
      i += 1;
    }
  }
  return count;
}

/** What zod's object schemas take for an object: anything of typeof 'object' except null and arrays. */
function isObjectLike(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * `transferInstructionSchema.safeParse(body)`: the parsed transfer, or null where zod fails. Like zod it
 * reads fields with `[]`, tells an optional field's presence with `in`, and refuses every key `for...in`
 * yields that the schema does not declare (`__proto__` included). A quote is left to `fxQuoteSchema`:
 * quotes are rare and that schema is large.
 */
export function parseTransferInstruction(body: unknown): TransferInstruction | null {
  if (!isObjectLike(body)) return null;
  for (const key in body) {
    switch (key) {
      case 'id':
      case 'payer':
      case 'payee':
      case 'amount':
      case 'currency':
      case 'twoPhase':
      case 'expiresInMs':
      case 'quote':
        continue;
      default:
        return null;
    }
  }
  const id = body.id;
  const payer = body.payer;
  const payee = body.payee;
  const amount = body.amount;
  const currency = body.currency;
  if (!isId(id) || !isId(payer) || !isId(payee) || !isCurrencyCode(currency)) return null;
  if (typeof amount !== 'string') return null;
  if (amount.length > MAX_AMOUNT_TEXT_LENGTH && codePointLength(amount) > MAX_AMOUNT_TEXT_LENGTH) return null;
  const out: TransferInstruction = { id, payer, payee, amount, currency };
  const twoPhase = body.twoPhase;
  if (twoPhase !== undefined || 'twoPhase' in body) {
    if (twoPhase !== undefined && typeof twoPhase !== 'boolean') return null;
    out.twoPhase = twoPhase;
  }
  const expiresInMs = body.expiresInMs;
  if (expiresInMs !== undefined || 'expiresInMs' in body) {
    if (expiresInMs !== undefined && !isExpiresInMs(expiresInMs)) return null;
    out.expiresInMs = expiresInMs;
  }
  const quote = body.quote;
  if (quote !== undefined || 'quote' in body) {
    if (quote === undefined) {
      out.quote = undefined;
    } else {
      const parsed = fxQuoteSchema.safeParse(quote);
      if (!parsed.success) return null;
      out.quote = parsed.data;
    }
  }
  return out;
}

/** z.number().int().min(MIN_EXPIRES_IN_MS).max(MAX_EXPIRES_IN_MS): Number.isInteger refuses NaN and ±Infinity. */
function isExpiresInMs(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= MIN_EXPIRES_IN_MS && v <= MAX_EXPIRES_IN_MS;
}

/** `transferBatchInstructionSchema.safeParse(body)`: the parsed batch, or null where zod fails. */
export function parseTransferBatchInstruction(body: unknown): TransferBatchInstruction | null {
  if (!isObjectLike(body)) return null;
  for (const key in body) if (key !== 'transfers') return null;
  const list = body.transfers;
  if (!Array.isArray(list) || list.length < 1 || list.length > MAX_BATCH_TRANSFERS) return null;
  const transfers: TransferInstruction[] = [];
  for (let i = 0; i < list.length; i++) {
    const t = parseTransferInstruction(list[i]);
    if (t === null) return null;
    transfers.push(t);
  }
  return { transfers };
}

/*
 * The same from the body's JSON text: `parseTransfer...Json(text)` is `parseTransfer...(JSON.parse(text))`,
 * null where JSON.parse throws. Building the objects of a 300-transfer body cost JSON.parse several times
 * what validating them costs, so the text of the common form is read directly: compact JSON (as
 * JSON.stringify writes it) with the fields in the schema's order, no escapes in the strings and no quote.
 * One sticky regex per transfer both reads and checks it. It can only say yes: a body it does not match
 * in full (whitespace, another key order, an escape, a quote, a value out of bounds, anything malformed)
 * goes the general way, JSON.parse and the parser above, which gives the answer, refusal included.
 *
 * Why a match gives the same value: the text is then valid JSON whose members are exactly the matched
 * ones, each key once, every string without an escape (so JSON.parse's string is the matched text), and
 * the regex admits only what the schema accepts: ID_PATTERN itself for the ids, at most
 * MAX_AMOUNT_TEXT_LENGTH UTF-16 units of unescaped JSON string characters for the amount (the regex has
 * no `u` flag, so it counts units; zod counts code points, of which there are never more, and a longer
 * amount goes the general way), [A-Z]{3}, a boolean, and an integer literal checked against the bounds.
 */
const ID_TEXT = `(${ID_PATTERN.source.slice(1, -1)})`; // ID_PATTERN without its anchors
const TRANSFER_TEXT = new RegExp(
  `\\{"id":"${ID_TEXT}","payer":"${ID_TEXT}","payee":"${ID_TEXT}",` +
    // Any JSON string characters but the quote, the backslash and the control characters: no escapes.
    `"amount":"([^"\\\\\\u0000-\\u001f]{0,${MAX_AMOUNT_TEXT_LENGTH}})","currency":"([A-Z]{3})"` +
    // Four to nine digits without a leading zero; scanTransfer checks the range.
    `(?:,"twoPhase":(true|false))?(?:,"expiresInMs":([1-9][0-9]{3,8}))?\\}`,
  'y',
);
const BATCH_OPEN = '{"transfers":[';

/**
 * V8 keeps a substring of 13 or more characters as a view into its parent, so an id taken from a body
 * would keep the whole body (tens of kilobytes) alive for as long as the ledger keeps the id. JSON.parse
 * copies; so does this, by flattening a short concatenation.
 */
const own = (s: string): string => (s.length < 13 ? s : (' ' + s).slice(1));

/** Reads one transfer at `TRANSFER_TEXT.lastIndex`; null when the fast form does not match there. */
function scanTransfer(text: string, at: number): TransferInstruction | null {
  TRANSFER_TEXT.lastIndex = at;
  const m = TRANSFER_TEXT.exec(text);
  if (m === null) return null;
  const t: TransferInstruction = {
    id: own(m[1]),
    payer: own(m[2]),
    payee: own(m[3]),
    amount: own(m[4]),
    currency: m[5],
  };
  if (m[6] !== undefined) t.twoPhase = m[6] === 'true';
  if (m[7] !== undefined) {
    const expiresInMs = Number(m[7]);
    if (expiresInMs > MAX_EXPIRES_IN_MS) return null;
    t.expiresInMs = expiresInMs;
  }
  return t;
}

function scanTransferBody(text: string): TransferInstruction | null {
  const t = scanTransfer(text, 0);
  return t !== null && TRANSFER_TEXT.lastIndex === text.length ? t : null;
}

function scanBatchBody(text: string): TransferBatchInstruction | null {
  if (!text.startsWith(BATCH_OPEN)) return null;
  const transfers: TransferInstruction[] = [];
  let at = BATCH_OPEN.length;
  for (;;) {
    const t = scanTransfer(text, at);
    if (t === null || transfers.length === MAX_BATCH_TRANSFERS) return null;
    transfers.push(t);
    at = TRANSFER_TEXT.lastIndex;
    const next = text.charCodeAt(at);
    if (next === 0x2c /* , */) {
      at += 1;
      continue;
    }
    // ']}' and the end of the text.
    if (next === 0x5d && text.charCodeAt(at + 1) === 0x7d && at + 2 === text.length) return { transfers };
    return null;
  }
}

function jsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** `transferInstructionSchema.safeParse(JSON.parse(text))`: the transfer, or null. */
export function parseTransferInstructionJson(text: string): TransferInstruction | null {
  return scanTransferBody(text) ?? parseTransferInstruction(jsonOrUndefined(text));
}

/** `transferBatchInstructionSchema.safeParse(JSON.parse(text))`: the batch, or null. */
export function parseTransferBatchInstructionJson(text: string): TransferBatchInstruction | null {
  return scanBatchBody(text) ?? parseTransferBatchInstruction(jsonOrUndefined(text));
}
