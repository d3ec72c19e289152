import { matchLines } from '../matching/matcher';
import { DEFAULT_MATCHING_RULES } from '../matching/rules';
import { parseStatement } from '../parsers';
import { generateDay } from './day-generator';

/**
 * `npm run bench:recon [-- --instructions N]`: a day of instructions and its statement with noise
 * (day-generator.ts), parsed from CSV and matched in memory; then checks that every line the generator
 * made matchable was matched and every planted break found. The last line is the figure.
 */
function main(): void {
  const flag = process.argv.indexOf('--instructions');
  const count = flag > 0 ? Number(process.argv[flag + 1]) : 800_000;
  const day = generateDay(count);
  const started = process.hrtime.bigint();
  const statement = parseStatement(day.csv, 'csv');
  const parsedAt = process.hrtime.bigint();
  const result = matchLines(statement.lines, day.instructions, DEFAULT_MATCHING_RULES);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const broken = new Set(result.breaks.map((b) => b.lineNo));
  const matched = new Set(result.allocations.map((a) => a.lineNo).filter((n) => !broken.has(n)));
  const missed = [...day.matchable].filter((n) => !matched.has(n));
  const unfound = [...day.breaks].filter((n) => !broken.has(n));
  console.log(
    `instructions ${day.instructions.length}, statement ${(day.csv.length / 1e6).toFixed(1)} MB; parse ${(Number(parsedAt - started) / 1e9).toFixed(2)} s; ` +
      `heap ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)} MiB; matchable missed ${missed.length}, breaks not found ${unfound.length}, unexpected breaks ${broken.size - day.breaks.size + unfound.length}`,
  );
  if (missed.length || unfound.length)
    console.log(
      `first missed lines: ${missed.slice(0, 5).join(', ')}; unfound: ${unfound.slice(0, 5).join(', ')}`,
    );
  console.log(
    `recon: ${matched.size} of ${statement.lines.length} bank lines matched in ${seconds.toFixed(2)} s, ` +
      `${broken.size} breaks (expected ${day.breaks.size}), ${Math.round(statement.lines.length / seconds)} lines/s`,
  );
  if (missed.length || unfound.length) process.exitCode = 1;
}

main();
