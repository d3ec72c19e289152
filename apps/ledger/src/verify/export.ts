import { Presets, SingleBar } from 'cli-progress';
import { ledgerClient } from '@concord/db';
import { PrismaChainSource } from './chain-source';
import { writeChainFile } from './chain-file';
import { parseCli, SIGNER_OPTIONS, signerSource } from './cli-args';

/**
 * `npm run ledger:export -- [--signer s1] --out chain.jsonl.gz`: writes one signer's stored chain (blocks,
 * certificates, entries with their postings, balances rows) to a gzip JSON Lines file that
 * `ledger:verify -- --file chain.jsonl.gz --genesis-hash <h>` verifies with no database. Streams: a page
 * of blocks at a time, whatever the chain's length.
 */
export interface ExportArgs {
  signer: string;
  databaseUrl: string;
  out: string;
}

const USAGE = 'usage: export.ts [--signer s1] [--database-url <url>] --out <chain.jsonl.gz>';

export function parseExportArgs(argv: string[], env: NodeJS.ProcessEnv): ExportArgs {
  const { values } = parseCli(argv, { ...SIGNER_OPTIONS, out: { type: 'string' } });
  if (!values.out) throw new Error('--out <file> is required');
  return { ...signerSource(values, env), out: values.out };
}

async function main(): Promise<number> {
  let args: ExportArgs;
  try {
    args = parseExportArgs(process.argv.slice(2), process.env);
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const prisma = ledgerClient(args.databaseUrl, args.signer, 3);
  const bar = new SingleBar(
    {
      stream: process.stderr,
      format: `ledger_${args.signer} {bar} {value}/{total} blocks`,
      hideCursor: true,
    },
    Presets.shades_classic,
  );
  try {
    const source = new PrismaChainSource(prisma);
    const total = await source.blockCount();
    bar.start(total, 0);
    const written = await writeChainFile(
      args.out,
      { signer: args.signer, blocks: total, exportedAt: new Date().toISOString() },
      source.blocks(),
      (height) => bar.update(height),
    );
    bar.stop();
    console.log(`exported ${written} blocks of ledger_${args.signer} to ${args.out}`);
    return 0;
  } catch (error) {
    bar.stop();
    const message = (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ').trim();
    console.error(`cannot export ledger_${args.signer}: ${message}`);
    return 2;
  } finally {
    await prisma.$disconnect();
  }
}

if (require.main === module) {
  void main().then((code) => {
    process.exitCode = code;
  });
}
