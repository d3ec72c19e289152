import { Presets, SingleBar } from 'cli-progress';
import { ledgerClient } from '@concord/db';
import { PrismaChainSource } from './chain-source';
import { ChainVerdict, verifyChain } from './chain-verifier';
import { openChainFile } from './chain-file';
import { parseCli, SIGNER_OPTIONS, signerSource } from './cli-args';

/**
 * `npm run ledger:verify [-- --signer s1] [--strict] [--genesis-hash <hex>]`: audits one signer's stored
 * chain (schema ledger_<signer> of DATABASE_URL) by replaying it; see chain-verifier.ts for what is checked.
 * With `--file chain.jsonl.gz` (written by `ledger:export`) it audits the same chain with no database, as
 * a regulator would, streaming the file.
 *
 * Last line on stdout: `chain ok: <blocks> blocks, <transfers> transfers, state root <hex>` (exit 0) or
 * `chain broken at block <h>: <reason>` (exit 1); warnings come before it as `warning: ...` lines. Exit 2
 * when the chain cannot be read at all (bad arguments, no database). A progress bar goes to stderr when
 * it is a terminal.
 */
export interface VerifyArgs {
  signer: string;
  databaseUrl: string;
  /** A chain file written by `ledger:export`: verified with no database. */
  file?: string;
  strict: boolean;
  genesisHash?: string;
  pageSize: number;
}

const USAGE =
  'usage: verify.ts [--signer s1] [--database-url <url>] [--file <chain.jsonl.gz>] [--strict] [--genesis-hash <hex>] [--page-size <blocks>]';

export function parseArgs(argv: string[], env: NodeJS.ProcessEnv): VerifyArgs {
  const { values } = parseCli(argv, {
    ...SIGNER_OPTIONS,
    file: { type: 'string' },
    strict: { type: 'boolean' },
    'genesis-hash': { type: 'string' },
    'page-size': { type: 'string' },
  });
  const args: VerifyArgs = {
    ...signerSource(values, env),
    file: values.file,
    strict: values.strict ?? false,
    genesisHash: values['genesis-hash'],
    pageSize: values['page-size'] === undefined ? 500 : Number(values['page-size']),
  };
  if (args.genesisHash !== undefined && !/^[0-9a-f]{64}$/.test(args.genesisHash)) {
    throw new Error('--genesis-hash must be 64 lower-case hex characters');
  }
  if (!Number.isInteger(args.pageSize) || args.pageSize < 1)
    throw new Error('--page-size must be a positive integer');
  return args;
}

export function formatVerdict(verdict: ChainVerdict): string[] {
  const lines = verdict.warnings.map((w) => `warning: ${w}`);
  lines.push(
    verdict.ok
      ? `chain ok: ${verdict.blocks} blocks, ${verdict.transfers} transfers, state root ${verdict.stateRoot}`
      : `chain broken at block ${verdict.height}: ${verdict.reason}`,
  );
  return lines;
}

async function main(): Promise<number> {
  let args: VerifyArgs;
  try {
    args = parseArgs(process.argv.slice(2), process.env);
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const bar = new SingleBar(
    { stream: process.stderr, format: `{name} {bar} {value}/{total} blocks`, hideCursor: true },
    Presets.shades_classic,
  );
  const name = args.file ?? `ledger_${args.signer}`;
  try {
    const verdict = args.file ? await verifyFile(args, args.file, bar) : await verifyDatabase(args, bar);
    bar.stop();
    for (const line of formatVerdict(verdict)) process.stdout.write(`${line}\n`);
    return verdict.ok ? 0 : 1;
  } catch (error) {
    bar.stop();
    // Prisma's messages span several lines; one line is enough to say why the chain could not be read.
    const message = (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ').trim();
    console.error(`cannot verify ${name}: ${message}`);
    return 2;
  }
}

async function verifyDatabase(args: VerifyArgs, bar: SingleBar): Promise<ChainVerdict> {
  const prisma = ledgerClient(args.databaseUrl, args.signer, 3);
  try {
    const source = new PrismaChainSource(prisma, { blockPageSize: args.pageSize });
    bar.start(await source.blockCount(), 0, { name: `ledger_${args.signer}` });
    return await verifyChain(source.blocks(), {
      ownSignerId: args.signer,
      allowUncertifiedTip: !args.strict,
      trustedGenesisHash: args.genesisHash,
      onBlock: (height) => bar.update(height),
      strayRow: (tip) => source.strayRow(tip),
    });
  } finally {
    await prisma.$disconnect();
  }
}

/** The file says whose chain it is: that signer's own signature column is checked, as in its database. */
async function verifyFile(args: VerifyArgs, file: string, bar: SingleBar): Promise<ChainVerdict> {
  const { header, blocks } = await openChainFile(file);
  bar.start(header.blocks, 0, { name: file });
  return verifyChain(blocks, {
    ownSignerId: header.signer,
    allowUncertifiedTip: !args.strict,
    trustedGenesisHash: args.genesisHash,
    onBlock: (height) => bar.update(height),
  });
}

if (require.main === module) {
  void main().then((code) => {
    process.exitCode = code;
  });
}
