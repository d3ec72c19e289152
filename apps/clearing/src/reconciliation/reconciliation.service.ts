import type { Logger } from '@concord/observability';
import { ClearingError } from '../clearing.errors';
import type { InstructionsService } from '../instructions/instructions.service';
import { Allocation, LineBreak, matchLines } from './matching/matcher';
import { MatchingRules } from './matching/rules';
import { detectFormat, parseStatement } from './parsers';
import type { CsvMapping } from './parsers/csv';
import { ReconciliationFailure } from './reconciliation.errors';
import type { ReconciliationRepository } from './reconciliation.repository';
import { contentHash, ParsedStatement, StatementError, StatementFormat, StatementLine } from './statement';

export interface UploadOptions {
  format?: StatementFormat;
  mapping?: CsvMapping;
}

/** How a break is resolved: linked to an instruction (confirming it) or written off with a reason. */
export type BreakResolution =
  { action: 'link'; instructionId: string; amountMinor?: bigint } | { action: 'write-off'; reason: string };

/**
 * Bank statements in, confirmations out: a statement is parsed whole (or refused whole), recorded once,
 * matched against the open settlement instructions, and every match confirmed through the same
 * InstructionsService.confirm an operator's `POST /instructions/{id}/confirm` uses, so that postings,
 * events and window settlement downstream are unchanged. What does not match is a break.
 */
export class ReconciliationService {
  constructor(
    private readonly repo: ReconciliationRepository,
    private readonly instructions: InstructionsService,
    private readonly log: Logger,
  ) {}

  /**
   * Takes a statement in: refused whole if it does not parse; the same statement again changes nothing
   * (but finishes the matching of one a crash interrupted); otherwise recorded, then matched.
   */
  async upload(content: string, options: UploadOptions, by: string) {
    const parsed = this.parse(content, options);
    const hash = contentHash(content);
    const before = await this.repo.findStatement(parsed, hash);
    if (before)
      return { statement: before.reconciledAt ? before : await this.resume(before, by), replayed: true };
    const rules = await this.repo.currentRules();
    const statement = await this.repo.insertStatement(parsed, hash, rules.version, by);
    if (!statement) {
      // Another upload of the same statement won the race: it applies it.
      return { statement: (await this.repo.findStatement(parsed, hash))!, replayed: true };
    }
    const reconciled = await this.reconcile(statement.id, parsed.lines, rules, by);
    this.log.info(
      {
        statementId: statement.id,
        format: parsed.format,
        lines: parsed.lines.length,
        matched: reconciled.matchedCount,
        breaks: reconciled.breakCount,
      },
      'bank statement reconciled',
    );
    return { statement: reconciled, replayed: false };
  }

  /** Matches a statement's lines that have neither a match nor a break yet (after a crash). */
  private async resume(statement: { id: number; rulesVersion: number }, by: string) {
    this.log.warn({ statementId: statement.id }, 'finishing the matching of an interrupted statement');
    // With the rules it was started with, so that all its matches name one version.
    const rules = (await this.repo.rules(statement.rulesVersion)) ?? (await this.repo.currentRules());
    return this.reconcile(statement.id, await this.repo.pendingLines(statement.id), rules, by);
  }

  /** Matches lines, confirms the matches, records the breaks, and marks the statement reconciled. */
  private async reconcile(statementId: number, lines: StatementLine[], rules: MatchingRules, by: string) {
    const fresh = await this.unseenLines(statementId, lines);
    const result = matchLines(fresh, await this.repo.openInstructions(), rules);
    const byNo = new Map(lines.map((l) => [l.lineNo, l]));
    const refused = await this.confirmAll(statementId, byNo, result.allocations, rules.version, by);
    await this.repo.insertBreaks(statementId, rules.version, [...result.breaks, ...refused]);
    return this.repo.markReconciled(statementId);
  }

  /** The lines no earlier statement applied (by their bank reference). */
  private async unseenLines(statementId: number, lines: StatementLine[]) {
    const references = lines.flatMap((l) => (l.bankReference ? [confirmationReference(statementId, l)] : []));
    const seen = await this.repo.matchedReferences(references);
    return lines.filter((l) => !l.bankReference || !seen.has(confirmationReference(statementId, l)));
  }

  private parse(content: string, options: UploadOptions): ParsedStatement {
    try {
      return parseStatement(content, options.format, options.mapping);
    } catch (e) {
      if (!(e instanceof StatementError)) throw e;
      throw new ReconciliationFailure({
        kind: 'STATEMENT_REFUSED',
        format: options.format ?? formatOf(content),
        location: e.location,
        reason: e.reason,
      });
    }
  }

  /** Confirms each allocation; a confirmation the instruction refuses is a break of its line. */
  private async confirmAll(
    statementId: number,
    lines: Map<number, StatementLine>,
    allocations: Allocation[],
    rulesVersion: number,
    by: string,
  ): Promise<LineBreak[]> {
    const refused: LineBreak[] = [];
    for (const a of allocations) {
      const line = lines.get(a.lineNo)!;
      try {
        await this.confirmLine(statementId, line, a.instructionId, a.amountMinor, {
          rule: a.rule,
          differenceMinor: a.differenceMinor,
          rulesVersion,
          by,
        });
      } catch (e) {
        if (!(e instanceof ClearingError)) throw e;
        refused.push({
          lineNo: a.lineNo,
          kind: 'CONFIRMATION_REFUSED',
          instructionIds: [a.instructionId],
          detail: `${e.code}: ${e.detail}`,
        });
      }
    }
    return refused;
  }

  /** The operator's confirmation of an instruction by a bank line, and the match that records why. */
  private async confirmLine(
    statementId: number,
    line: StatementLine,
    instructionId: string,
    amountMinor: bigint,
    how: { rule: string; differenceMinor: bigint; rulesVersion: number; by: string },
  ) {
    const bankReference = confirmationReference(statementId, line);
    await this.instructions.confirm(instructionId, bankReference, amountMinor);
    await this.repo.insertMatch({
      statementId,
      lineNo: line.lineNo,
      instructionId,
      amountMinor,
      differenceMinor: how.differenceMinor,
      rule: how.rule,
      rulesVersion: how.rulesVersion,
      bankReference,
      createdBy: how.by,
    });
  }

  /** The currency of an instruction (a link's amount is read in it); 404 for no instruction. */
  async currencyOf(instructionId: string): Promise<string> {
    return (await this.instructions.find(instructionId)).instruction.currency;
  }

  /** The rules in force and every earlier version. */
  async matchingRules() {
    return this.repo.listRules();
  }

  /**
   * New matching rules: recorded as the next version and used from the next statement on. Statements
   * matched before keep the version they were matched by, on every match and break.
   */
  async updateRules(rules: Omit<MatchingRules, 'version'>, by: string): Promise<MatchingRules> {
    const current = await this.repo.currentRules();
    const next: MatchingRules = { ...rules, version: current.version + 1 };
    if (!(await this.repo.insertRules(next, by)))
      throw new ReconciliationFailure({ kind: 'RULES_CHANGED', version: current.version });
    this.log.info({ version: next.version, by }, 'matching rules changed');
    return next;
  }

  statements(limit = 100) {
    return this.repo.listStatements(limit);
  }

  breaks(status: string | undefined, limit = 100) {
    return this.repo.listBreaks(status, limit);
  }

  /** Links a break's line to an instruction (confirming it) or writes it off, recording who did. */
  async resolve(breakId: number, resolution: BreakResolution, by: string) {
    const found = await this.repo.findBreak(breakId);
    if (!found) throw new ReconciliationFailure({ kind: 'BREAK_NOT_FOUND', breakId: String(breakId) });
    if (found.status !== 'open')
      throw new ReconciliationFailure({ kind: 'BREAK_RESOLVED', breakId, status: found.status });
    if (resolution.action === 'link') {
      const line = (await this.repo.line(found.statementId, found.lineNo))!;
      await this.confirmLine(
        found.statementId,
        line,
        resolution.instructionId,
        resolution.amountMinor ?? line.amountMinor,
        {
          rule: 'operator',
          differenceMinor: 0n,
          rulesVersion: found.rulesVersion,
          by,
        },
      );
    }
    const status = resolution.action === 'link' ? 'linked' : 'written-off';
    const text = resolution.action === 'link' ? resolution.instructionId : resolution.reason;
    if (!(await this.repo.resolveBreak(breakId, status, text, by)))
      throw new ReconciliationFailure({ kind: 'BREAK_RESOLVED', breakId, status: 'resolved meanwhile' });
    this.log.info({ breakId, status, by }, 'reconciliation break resolved');
    return (await this.repo.findBreak(breakId))!;
  }
}

/**
 * The bank reference a matched line confirms under: the bank's own, in the alphabet the confirm API
 * takes, else one made of the statement and line (stable, so a retry replays rather than doubles).
 */
export function confirmationReference(statementId: number, line: StatementLine): string {
  const own = line.bankReference?.replace(/[^A-Za-z0-9._:/-]/g, '').slice(0, 64);
  return own || `stmt${statementId}.line${line.lineNo}`;
}

/** The format a refusal names: the one asked for, else the one detected, else just "statement". */
function formatOf(content: string): string {
  try {
    return detectFormat(content);
  } catch {
    return 'statement';
  }
}
