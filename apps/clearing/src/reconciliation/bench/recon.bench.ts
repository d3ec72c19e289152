import { closeSync, createReadStream, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StatementMatcher } from '../matching/matcher';
import { DEFAULT_MATCHING_RULES } from '../matching/rules';
import { streamCsv } from '../parsers/csv';
import { generateDay, GeneratedDay } from './day-generator';

/** Lines parsed and matched at a time: what bounds the memory the statement takes. */
const BATCH = 10_000;

/**
 * `npm run bench:recon [-- --instructions N]`: a day of instructions and its statement with noise
 * (day-generator.ts) written to a CSV file, then the file streamed (csv-parse's stream API) and matched
 * in batches of 10,000 lines against the day's instructions; checks that every line the generator made
 * matchable was matched and every planted break found. Reports the peak RSS of the process: the
 * statement is never held whole, so memory is the instructions' index plus one batch. The last line is
 * the figure.
 */
async function main(): Promise<void> {
  const flag = process.argv.indexOf('--instructions');
  const count = flag > 0 ? Number(process.argv[flag + 1]) : 1_000_000;
  const dir = mkdtempSync(join(tmpdir(), 'concord-recon-bench-'));
  const file = join(dir, 'statement.csv');
  try {
    const day = writeDay(file, count);
    const rssBefore = process.memoryUsage().rss;
    const started = process.hrtime.bigint();
    const tally = await matchFile(file, day);
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
  }
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

/** Streams the file through the matcher, keeping counts only (a statement's results go to the database). */
async function matchFile(file: string, day: GeneratedDay) {
  const matcher = new StatementMatcher(day.instructions, DEFAULT_MATCHING_RULES);
  const tally = { lines: 0, matched: 0, broken: 0, matchedExpected: 0, brokenExpected: 0 };
  for await (const batch of streamCsv(createReadStream(file, { highWaterMark: 1 << 20 }), undefined, BATCH)) {
    const result = matcher.match(batch);
    const broken = new Set(result.breaks.map((b) => b.lineNo));
    const matched = new Set(result.allocations.map((a) => a.lineNo).filter((n) => !broken.has(n)));
    tally.lines += batch.length;
    tally.matched += matched.size;
    tally.broken += broken.size;
    for (const n of matched) if (day.matchable.has(n)) tally.matchedExpected++;
    for (const n of broken) if (day.breaks.has(n)) tally.brokenExpected++;
  }
  return tally;
}

void main();
