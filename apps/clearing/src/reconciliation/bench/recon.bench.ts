import { closeSync, createReadStream, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { servicesClient } from '@concord/db';
import { createTestDatabase } from '@concord/testing';
import { MatchResult, StatementMatcher } from '../matching/matcher';
import { DEFAULT_MATCHING_RULES } from '../matching/rules';
import { streamCsv } from '../parsers/csv';
import { ReconciliationRepository } from '../reconciliation.repository';
import { confirmationReference } from '../reconciliation.service';
import type { StatementLine } from '../statement';
import { generateDay, GeneratedDay } from './day-generator';

/** Lines parsed and matched at a time: what bounds the memory the statement takes. */
const BATCH = 10_000;

/**
 * `npm run bench:recon [-- --instructions N]`: a day of instructions and its statement with noise
 * (day-generator.ts) written to a CSV file, then the file streamed (csv-parse's stream API) and matched
 * in batches of 10,000 lines against the day's instructions; checks that every line the generator made
 * matchable was matched and every planted break found. Reports the peak RSS of the process: the
 * statement is never held whole, so memory is the instructions' index plus one batch. The last line is
 * the figure. With `--db`, each batch's lines, matches and breaks are also written to a database of its
 * own (PostgreSQL, batched inserts through ReconciliationRepository), as the service records them; the
 * confirmations themselves (one transaction per instruction, InstructionsService) are not.
 */
async function main(): Promise<void> {
  const flag = process.argv.indexOf('--instructions');
  const count = flag > 0 ? Number(process.argv[flag + 1]) : 1_000_000;
  const store = process.argv.includes('--db') ? await database() : null;
  const dir = mkdtempSync(join(tmpdir(), 'concord-recon-bench-'));
  const file = join(dir, 'statement.csv');
  try {
    const day = writeDay(file, count);
    const rssBefore = process.memoryUsage().rss;
    const started = process.hrtime.bigint();
    const tally = await matchFile(file, day, store?.record);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const peak = process.resourceUsage().maxRSS / 1024;
    const missed = day.matchable.size - tally.matchedExpected;
    const unfound = day.breaks.size - tally.brokenExpected;
    console.log(
      `instructions ${day.instructions.length}, statement ${(statSync(file).size / 1e6).toFixed(1)} MB streamed in batches of ${BATCH}; ` +
        `RSS ${(rssBefore / 2 ** 20).toFixed(0)} MiB before matching, peak ${peak.toFixed(0)} MiB; ` +
        `matchable missed ${missed}, breaks not found ${unfound}, unexpected breaks ${tally.broken - tally.brokenExpected}`,
    );
    console.log(
      `recon: ${tally.matched} of ${tally.lines} bank lines matched in ${seconds.toFixed(2)} s, ` +
        `${tally.broken} breaks (expected ${day.breaks.size}), ${Math.round(tally.lines / seconds)} lines/s`,
    );
    if (missed || unfound || tally.broken !== tally.brokenExpected) process.exitCode = 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await store?.close();
  }
}

type Recorder = (batch: StatementLine[], result: MatchResult) => Promise<void>;

/** A database of the bench's own, a statement row, and what writes each batch into it. */
async function database(): Promise<{ record: Recorder; close: () => Promise<void> }> {
  const db = await createTestDatabase();
  const prisma = servicesClient(db.url, 2);
  const repo = new ReconciliationRepository(prisma);
  const statement = await prisma.clearingStatement.create({
    data: {
      format: 'csv',
      statementId: 'bench',
      account: 'SETTLE-USD-001',
      contentHash: 'bench',
      lineCount: 0,
      rulesVersion: DEFAULT_MATCHING_RULES.version,
      uploadedBy: 'bench',
    },
  });
  const record: Recorder = async (batch, result) => {
    const lines = new Map(batch.map((l) => [l.lineNo, l]));
    // Two connections: the lines and the matches of a batch are written at once.
    await Promise.all([
      repo.insertLines(statement.id, batch),
      repo.insertMatches(
        result.allocations.map((a) => ({
          statementId: statement.id,
          lineNo: a.lineNo,
          instructionId: a.instructionId,
          amountMinor: a.amountMinor,
          differenceMinor: a.differenceMinor,
          rule: a.rule,
          rulesVersion: result.rulesVersion,
          bankReference: confirmationReference(statement.id, lines.get(a.lineNo)!),
          createdBy: 'bench',
        })),
      ),
    ]);
    await repo.insertBreaks(statement.id, result.rulesVersion, result.breaks);
  };
  return {
    record,
    close: async () => {
      const reconciled = await repo.markReconciled(statement.id);
      console.log(
        `database: ${await prisma.clearingStatementLine.count()} lines, ${await prisma.clearingLineMatch.count()} matches, ${reconciled.breakCount} breaks written`,
      );
      await prisma.$disconnect();
      await db.drop();
    },
  };
}

/** The day's statement written through a 1 MiB buffer: never one string. */
function writeDay(file: string, count: number): GeneratedDay {
  const fd = openSync(file, 'w');
  let buffer: string[] = [];
  let size = 0;
  const flush = () => {
    writeSync(fd, buffer.join(''));
    buffer = [];
    size = 0;
  };
  const day = generateDay(count, (text) => {
    buffer.push(text);
    size += text.length;
    if (size > 2 ** 20) flush();
  });
  flush();
  closeSync(fd);
  return day;
}

/** Streams the file through the matcher, keeping counts (and, with a recorder, writing each batch). */
async function matchFile(file: string, day: GeneratedDay, record?: Recorder) {
  const matcher = new StatementMatcher(day.instructions, DEFAULT_MATCHING_RULES);
  const tally = { lines: 0, matched: 0, broken: 0, matchedExpected: 0, brokenExpected: 0 };
  let writing: Promise<void> | undefined;
  for await (const batch of streamCsv(createReadStream(file, { highWaterMark: 1 << 20 }), undefined, BATCH)) {
    const result = matcher.match(batch);
    // One batch is written while the next is parsed and matched: at most two batches in memory.
    await writing;
    writing = record?.(batch, result);
    const broken = new Set(result.breaks.map((b) => b.lineNo));
    const matched = new Set(result.allocations.map((a) => a.lineNo).filter((n) => !broken.has(n)));
    tally.lines += batch.length;
    tally.matched += matched.size;
    tally.broken += broken.size;
    for (const n of matched) if (day.matchable.has(n)) tally.matchedExpected++;
    for (const n of broken) if (day.breaks.has(n)) tally.brokenExpected++;
  }
  await writing;
  return tally;
}

void main();
