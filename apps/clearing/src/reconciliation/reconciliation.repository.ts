import { ServicesPrismaClient, sqlOf } from '@concord/db';
import type { LineBreak } from './matching/matcher';
import type { OpenInstruction } from './matching/matcher';
import { MatchingRules, matchingRulesSchema } from './matching/rules';
import type { ParsedStatement, StatementLine } from './statement';

/** Lines are written in chunks: one insert of a whole day's statement would be one huge statement. */
const CHUNK = 5000;

/**
 * Statements, their lines, the matches that confirmed instructions and the breaks, in PostgreSQL
 * (clearing.statements, statement_lines, line_matches, breaks).
 */
export class ReconciliationRepository {
  constructor(private readonly prisma: ServicesPrismaClient) {}

  /** A statement taken in before: the same bytes, or the same bank statement id for the account. */
  findStatement(parsed: ParsedStatement, contentHash: string) {
    return this.prisma.clearingStatement.findFirst({
      where: {
        OR: [
          { contentHash },
          { format: parsed.format, account: parsed.account, statementId: parsed.statementId },
        ],
      },
    });
  }

  /** Records a statement and its lines in one transaction; null when a concurrent upload recorded it. */
  async insertStatement(parsed: ParsedStatement, contentHash: string, rulesVersion: number, by: string) {
    try {
      return await this.prisma.$transaction(async (tx) => {
        const statement = await tx.clearingStatement.create({
          data: {
            format: parsed.format,
            statementId: parsed.statementId,
            account: parsed.account,
            contentHash,
            lineCount: parsed.lines.length,
            rulesVersion,
            uploadedBy: by,
          },
        });
        for (let i = 0; i < parsed.lines.length; i += CHUNK) {
          await tx.clearingStatementLine.createMany({
            data: parsed.lines.slice(i, i + CHUNK).map((l) => ({ ...l, statementId: statement.id })),
          });
        }
        return statement;
      });
    } catch (e) {
      if ((e as { code?: string }).code === 'P2002') return null;
      throw e;
    }
  }

  /** Instructions of settling windows with money still due: what a statement can confirm. */
  async openInstructions(): Promise<OpenInstruction[]> {
    const rows = await this.prisma.$queryRawUnsafe<
      { id: string; currency: string; direction: string; outstanding: string; valueDate: string }[]
    >(
      `select i.id, i.currency, i.direction, (i.amount_minor - i.confirmed_minor)::text as outstanding,
              i.value_date as "valueDate"
         from clearing.instructions i join clearing.windows w on w.id = i.window_id
        where w.status = 'settling' and i.status in ('pending', 'partially-confirmed')`,
    );
    return rows.map((r) => ({ ...r, outstandingMinor: BigInt(r.outstanding) }));
  }

  /**
   * The bank references among these that an earlier statement matched already: a camt.053 repeats the
   * entries its day's camt.054 notifications brought, and they are not money twice.
   */
  async matchedReferences(references: string[]): Promise<Set<string>> {
    const seen = new Set<string>();
    for (let i = 0; i < references.length; i += CHUNK) {
      const rows = await this.prisma.clearingLineMatch.findMany({
        where: { bankReference: { in: references.slice(i, i + CHUNK) } },
        select: { bankReference: true },
        distinct: ['bankReference'],
      });
      for (const r of rows) seen.add(r.bankReference);
    }
    return seen;
  }

  /**
   * Appends lines to a recorded statement, a batch in one statement of node-postgres over arrays (Prisma's
   * createMany costs about a millisecond per row here): a streamed statement is written batch by batch.
   */
  async insertLines(statementId: number, lines: readonly StatementLine[]): Promise<void> {
    const col = <K extends keyof StatementLine>(k: K) => lines.map((l) => l[k]);
    await sqlOf(this.prisma).query(
      `insert into clearing.statement_lines (statement_id, line_no, account, currency, booking_date, value_date,
              amount_minor, direction, end_to_end_id, remittance_info, bank_reference)
       select $1, * from unnest($2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[],
              $8::text[], $9::text[], $10::text[], $11::text[])`,
      [
        statementId,
        col('lineNo'),
        col('account'),
        col('currency'),
        col('bookingDate'),
        col('valueDate'),
        lines.map((l) => l.amountMinor.toString()),
        col('direction'),
        col('endToEndId'),
        col('remittanceInfo'),
        col('bankReference'),
      ],
    );
  }

  /** The matches of a batch of lines in one insert, as insertLines writes lines. */
  async insertMatches(
    matches: readonly Parameters<ReconciliationRepository['insertMatch']>[0][],
  ): Promise<void> {
    const col = <K extends keyof (typeof matches)[number]>(k: K) => matches.map((m) => m[k]);
    await sqlOf(this.prisma).query(
      `insert into clearing.line_matches (statement_id, line_no, instruction_id, amount_minor, difference_minor,
              rule, rules_version, bank_reference, created_by)
       select * from unnest($1::int[], $2::int[], $3::text[], $4::bigint[], $5::bigint[], $6::text[], $7::int[],
              $8::text[], $9::text[])`,
      [
        col('statementId'),
        col('lineNo'),
        col('instructionId'),
        matches.map((m) => m.amountMinor.toString()),
        matches.map((m) => m.differenceMinor.toString()),
        col('rule'),
        col('rulesVersion'),
        col('bankReference'),
        col('createdBy'),
      ],
    );
  }

  insertMatch(match: {
    statementId: number;
    lineNo: number;
    instructionId: string;
    amountMinor: bigint;
    differenceMinor: bigint;
    rule: string;
    rulesVersion: number;
    bankReference: string;
    createdBy: string;
  }) {
    return this.prisma.clearingLineMatch.create({ data: match });
  }

  async insertBreaks(statementId: number, rulesVersion: number, breaks: LineBreak[]) {
    await this.prisma.clearingBreak.createMany({
      data: breaks.map((b) => ({ ...b, statementId, rulesVersion })),
      skipDuplicates: true,
    });
  }

  /** Lines of a statement with neither a match nor a break: what a crash left unmatched. */
  async pendingLines(statementId: number): Promise<StatementLine[]> {
    const rows = await this.prisma.$queryRawUnsafe<
      (Omit<StatementLine, 'amountMinor'> & { amountMinor: string })[]
    >(
      `select line_no as "lineNo", account, currency, booking_date as "bookingDate", value_date as "valueDate",
              amount_minor::text as "amountMinor", direction, end_to_end_id as "endToEndId",
              remittance_info as "remittanceInfo", bank_reference as "bankReference"
         from clearing.statement_lines l
        where l.statement_id = $1
          and not exists (select 1 from clearing.line_matches m where m.statement_id = $1 and m.line_no = l.line_no)
          and not exists (select 1 from clearing.breaks b where b.statement_id = $1 and b.line_no = l.line_no)
        order by line_no`,
      statementId,
    );
    return rows.map((r) => ({ ...r, amountMinor: BigInt(r.amountMinor) }));
  }

  /** Marks a statement reconciled with its counts: lines matched (and not broken), and breaks. */
  async markReconciled(statementId: number) {
    const [{ matched, breaks }] = await this.prisma.$queryRawUnsafe<{ matched: number; breaks: number }[]>(
      `select (select count(distinct line_no)::int from clearing.line_matches m where m.statement_id = $1
                 and not exists (select 1 from clearing.breaks b where b.statement_id = $1 and b.line_no = m.line_no)
                 ) as matched,
              (select count(*)::int from clearing.breaks where statement_id = $1) as breaks`,
      statementId,
    );
    return this.prisma.clearingStatement.update({
      where: { id: statementId },
      data: { matchedCount: matched, breakCount: breaks, reconciledAt: new Date() },
    });
  }

  /** The latest version of the matching rules (the migration recorded version 1). */
  async currentRules(): Promise<MatchingRules> {
    const row = await this.prisma.clearingMatchingRules.findFirst({ orderBy: { version: 'desc' } });
    if (!row) throw new Error('no matching rules: clearing.matching_rules is empty (migration not applied?)');
    return matchingRulesSchema.parse(row.rules);
  }

  async rules(version: number): Promise<MatchingRules | null> {
    const row = await this.prisma.clearingMatchingRules.findUnique({ where: { version } });
    return row && matchingRulesSchema.parse(row.rules);
  }

  /** Every version, newest first, with who wrote it and when. */
  listRules() {
    return this.prisma.clearingMatchingRules.findMany({ orderBy: { version: 'desc' } });
  }

  /** Records the rules as version `rules.version`; false when that version exists (a concurrent edit). */
  async insertRules(rules: MatchingRules, by: string): Promise<boolean> {
    try {
      await this.prisma.clearingMatchingRules.create({
        data: { version: rules.version, rules, createdBy: by },
      });
      return true;
    } catch (e) {
      if ((e as { code?: string }).code === 'P2002') return false;
      throw e;
    }
  }

  listStatements(limit: number) {
    return this.prisma.clearingStatement.findMany({ orderBy: { id: 'desc' }, take: limit });
  }

  listBreaks(status: string | undefined, limit: number) {
    return this.prisma.clearingBreak.findMany({
      where: status ? { status } : {},
      orderBy: { id: 'asc' },
      take: limit,
    });
  }

  findBreak(id: number) {
    return this.prisma.clearingBreak.findUnique({ where: { id } });
  }

  async line(statementId: number, lineNo: number): Promise<StatementLine | null> {
    const row = await this.prisma.clearingStatementLine.findUnique({
      where: { statementId_lineNo: { statementId, lineNo } },
    });
    return row && { ...row, direction: row.direction as StatementLine['direction'] };
  }

  /** Resolves an open break; false when it was resolved meanwhile. */
  async resolveBreak(id: number, status: 'linked' | 'written-off', resolution: string, by: string) {
    const { count } = await this.prisma.clearingBreak.updateMany({
      where: { id, status: 'open' },
      data: { status, resolution, resolvedBy: by, resolvedAt: new Date() },
    });
    return count === 1;
  }
}
