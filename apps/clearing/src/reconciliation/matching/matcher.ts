import type { StatementLine } from '../statement';
import { MatchingRules, toleranceOf } from './rules';

/** A settlement instruction still waiting for money: what a bank line can settle. */
export interface OpenInstruction {
  id: string;
  currency: string;
  direction: string;
  /** What is left to confirm: the amount less what was confirmed already. */
  outstandingMinor: bigint;
  valueDate: string;
}

export type MatchRule = 'reference' | 'reference-split' | 'reference-batch' | 'amount-date';

/** A share of a bank line confirming (part of) an instruction. */
export interface Allocation {
  lineNo: number;
  instructionId: string;
  /** What is confirmed of the instruction. */
  amountMinor: bigint;
  /** The line's amount less what it confirms: bank charges within the tolerance (negative: fewer). */
  differenceMinor: bigint;
  rule: MatchRule;
}

/** CONFIRMATION_REFUSED: matched, but the instruction refused the confirmation (its window not settling). */
export type BreakKind = 'NO_INSTRUCTION' | 'AMOUNT_DIFFERS' | 'AMBIGUOUS' | 'CONFIRMATION_REFUSED';

/** A bank line the rules could not match, with the instructions it points at. */
export interface LineBreak {
  lineNo: number;
  kind: BreakKind;
  instructionIds: string[];
  detail: string;
}

export interface MatchResult {
  rulesVersion: number;
  allocations: Allocation[];
  breaks: LineBreak[];
}

/** A credit on the settlement account pays an instruction in; a debit pays one out. */
const DIRECTION = { credit: 'pay-in', debit: 'pay-out' } as const;

/**
 * Matches a statement's lines to open instructions (pure: the service confirms what it answers). First by
 * reference, line by line: one id whose amount it covers (within the tolerance) is one-to-one; less
 * than the amount is one part of a split payment (several lines to one instruction); several ids whose
 * amounts add up are a batch (one line to several). Then lines without a usable reference by amount and
 * value date, when exactly one instruction fits. Anything else is a break.
 */
export function matchLines(
  lines: readonly StatementLine[],
  instructions: readonly OpenInstruction[],
  rules: MatchingRules,
): MatchResult {
  return new StatementMatcher(instructions, rules).match(lines);
}

/**
 * The matcher of a statement read in batches (a streamed file): the open instructions are indexed once
 * and what each batch confirms is taken off them, so that a later batch sees what is left. Within a
 * batch, lines with references go first, then lines by amount and value date. (A line without reference
 * in an early batch can thus take an instruction of the same amount before a later batch names it; the
 * rules' amount-and-date pass wants exactly one candidate, so this only differs from one batch when two
 * instructions fit.)
 */
export class StatementMatcher {
  private readonly book: InstructionBook;

  constructor(
    instructions: readonly OpenInstruction[],
    private readonly rules: MatchingRules,
  ) {
    this.book = new InstructionBook(instructions, rules.looseReferences);
  }

  match(lines: readonly StatementLine[]): MatchResult {
    const { book, rules } = this;
    const result: MatchResult = { rulesVersion: rules.version, allocations: [], breaks: [] };
    const unreferenced: StatementLine[] = [];
    for (const line of lines) {
      const refs = rules.byReference ? book.referenced(line) : [];
      if (refs.length === 0) unreferenced.push(line);
      else matchByReference(line, refs, book, toleranceOf(rules, line.currency), result);
    }
    for (const line of unreferenced) {
      if (rules.byAmountAndDate) matchByAmount(line, book, rules, result);
      else result.breaks.push(noInstruction(line));
    }
    return result;
  }
}

function matchByReference(
  line: StatementLine,
  refs: OpenInstruction[],
  book: InstructionBook,
  tolerance: bigint,
  result: MatchResult,
): void {
  const open = refs.filter((i) => book.outstanding(i) > 0n);
  const due = open.reduce((sum, i) => sum + book.outstanding(i), 0n);
  const difference = line.amountMinor - due;
  const ids = refs.map((i) => i.id);
  if (open.length > 0 && abs(difference) <= tolerance) {
    const rule = open.length > 1 ? 'reference-batch' : 'reference';
    open.forEach((i, n) =>
      result.allocations.push(book.allocate(line, i, book.outstanding(i), n === 0 ? difference : 0n, rule)),
    );
  } else if (open.length === 1 && difference < 0n) {
    result.allocations.push(book.allocate(line, open[0], line.amountMinor, 0n, 'reference-split'));
  } else {
    const what = open.length === 0 ? 'nothing left to confirm' : `${due} minor units due`;
    result.breaks.push({
      lineNo: line.lineNo,
      kind: 'AMOUNT_DIFFERS',
      instructionIds: ids,
      detail: `line of ${line.amountMinor} minor units for ${ids.join(', ')}: ${what}`,
    });
  }
}

function matchByAmount(
  line: StatementLine,
  book: InstructionBook,
  rules: MatchingRules,
  result: MatchResult,
) {
  const tolerance = toleranceOf(rules, line.currency);
  const fits = book
    .candidates(line, tolerance)
    .filter(
      (i) =>
        abs(book.outstanding(i) - line.amountMinor) <= tolerance &&
        daysApart(i.valueDate, line.valueDate) <= rules.valueDateToleranceDays,
    );
  // The exact amount wins over amounts within the tolerance.
  const exact = fits.filter((i) => book.outstanding(i) === line.amountMinor);
  const chosen = exact.length > 0 ? exact : fits;
  if (chosen.length === 1) {
    const i = chosen[0];
    result.allocations.push(
      book.allocate(line, i, book.outstanding(i), line.amountMinor - book.outstanding(i), 'amount-date'),
    );
  } else if (chosen.length === 0) result.breaks.push(noInstruction(line));
  else
    result.breaks.push({
      lineNo: line.lineNo,
      kind: 'AMBIGUOUS',
      instructionIds: chosen.map((i) => i.id),
      detail: `${chosen.length} instructions of ${line.amountMinor} minor units around ${line.valueDate}`,
    });
}

function noInstruction(line: StatementLine): LineBreak {
  return {
    lineNo: line.lineNo,
    kind: 'NO_INSTRUCTION',
    instructionIds: [],
    detail: `no open ${DIRECTION[line.direction]} instruction for ${line.amountMinor} ${line.currency} minor units`,
  };
}

/** The open instructions indexed by id, loose key and (currency, direction), with what is left of each. */
class InstructionBook {
  private readonly byId = new Map<string, OpenInstruction>();
  private readonly byLooseKey = new Map<string, OpenInstruction | null>();
  /** Per currency and direction, sorted by the amount outstanding at the start: a range search. */
  private readonly bySide = new Map<string, OpenInstruction[]>();
  private readonly left = new Map<string, bigint>();

  constructor(
    instructions: readonly OpenInstruction[],
    private readonly loose: boolean,
  ) {
    for (const i of instructions) {
      this.byId.set(i.id.toLowerCase(), i);
      const key = looseKey(i.id);
      // Two ids with the same loose key: neither is found loosely.
      this.byLooseKey.set(key, this.byLooseKey.has(key) ? null : i);
      const side = `${i.currency} ${i.direction}`;
      const list = this.bySide.get(side);
      if (list) list.push(i);
      else this.bySide.set(side, [i]);
      this.left.set(i.id, i.outstandingMinor);
    }
    for (const side of this.bySide.values())
      side.sort((a, b) =>
        a.outstandingMinor < b.outstandingMinor ? -1 : a.outstandingMinor > b.outstandingMinor ? 1 : 0,
      );
  }

  /** The instructions of the line's currency and direction that its references name, each once. */
  referenced(line: StatementLine): OpenInstruction[] {
    const text = `${line.endToEndId ?? ''} ${line.remittanceInfo ?? ''}`.toLowerCase();
    const found = new Map<string, OpenInstruction>();
    for (const token of text.split(/[\s,;:/()[\]'"]+/)) {
      const t = token.replace(/^[.\-_]+|[.\-_]+$/g, '');
      if (!t) continue;
      const i = this.byId.get(t) ?? (this.loose ? this.byLooseKey.get(looseKey(t)) : undefined);
      if (i && i.currency === line.currency && i.direction === DIRECTION[line.direction]) found.set(i.id, i);
    }
    return [...found.values()];
  }

  /**
   * The instructions of the line's side whose starting amount is within `tolerance` of the line's, still
   * open. (The remainder of a split payment is found by its reference, not here.)
   */
  candidates(line: StatementLine, tolerance: bigint): OpenInstruction[] {
    const side = this.bySide.get(`${line.currency} ${DIRECTION[line.direction]}`) ?? [];
    const found: OpenInstruction[] = [];
    for (let k = lowerBound(side, line.amountMinor - tolerance); k < side.length; k++) {
      if (side[k].outstandingMinor > line.amountMinor + tolerance) break;
      if (this.outstanding(side[k]) > 0n) found.push(side[k]);
    }
    return found;
  }

  outstanding(i: OpenInstruction): bigint {
    return this.left.get(i.id) ?? 0n;
  }

  allocate(
    line: StatementLine,
    i: OpenInstruction,
    amountMinor: bigint,
    differenceMinor: bigint,
    rule: MatchRule,
  ) {
    this.left.set(i.id, this.outstanding(i) - amountMinor);
    return { lineNo: line.lineNo, instructionId: i.id, amountMinor, differenceMinor, rule };
  }
}

/** The first index of `sorted` whose starting amount is at least `amount`. */
function lowerBound(sorted: OpenInstruction[], amount: bigint): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid].outstandingMinor < amount) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function looseKey(id: string): string {
  return id.toLowerCase().replace(/[^a-z0-9]/g, '');
}

function abs(n: bigint): bigint {
  return n < 0n ? -n : n;
}

function daysApart(a: string, b: string): number {
  return Math.abs(Date.parse(a) - Date.parse(b)) / 86_400_000;
}
