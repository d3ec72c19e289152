import { Presets, SingleBar } from 'cli-progress';
import { ledgerClient } from '@concord/db';
import { PrismaChainSource } from './chain-source';
import { ChainVerdict, verifyChain } from './chain-verifier';

/**
 * `npm run ledger:verify [-- --signer s1] [--strict] [--genesis-hash <hex>]`: audits one signer's stored
 * chain (schema ledger_<signer> of DATABASE_URL) by replaying it; see chain-verifier.ts for what is checked.
 *
 * Last line on stdout: `chain ok: <blocks> blocks, <transfers> transfers, state root <hex>` (exit 0) or
 * `chain broken at block <h>: <reason>` (exit 1); warnings come before it as `warning: ...` lines. Exit 2
 * when the chain cannot be read at all (bad arguments, no database). A progress bar goes to stderr when
 * it is a terminal.
 */
export interface VerifyArgs {
  signer: string;
  databaseUrl: string;
  strict: boolean;
  genesisHash?: string;
  pageSize: number;
}

const USAGE =
  'usage: verify.ts [--signer s1] [--database-url <url>] [--strict] [--genesis-hash <hex>] [--page-size <blocks>]';

export function parseArgs(argv: string[], env: NodeJS.ProcessEnv): VerifyArgs {
  const args: VerifyArgs = {
    signer: 's1',
    databaseUrl: env.DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/concord',
    strict: false,
    pageSize: 500,
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] =
      argv[i].startsWith('--') && argv[i].includes('=') ? argv[i].split(/=(.*)/s) : [argv[i]];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--signer':
        args.signer = value();
        break;
      case '--database-url':
        args.databaseUrl = value();
        break;
      case '--strict':
        args.strict = true;
        break;
      case '--genesis-hash':
        args.genesisHash = value();
        break;
      case '--page-size':
        args.pageSize = Number(value());
        break;
      default:
        throw new Error(`unknown argument ${argv[i]}`);
    }
  }
  // The signer id becomes part of a search_path: only what a genesis allows for signer ids.
  if (!/^[a-z0-9]{1,16}$/.test(args.signer))
    throw new Error('--signer must be lower-case letters and digits');
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
    const source = new PrismaChainSource(prisma, { blockPageSize: args.pageSize });
    bar.start(await source.blockCount(), 0);
    const verdict = await verifyChain(source.blocks(), {
      ownSignerId: args.signer,
      allowUncertifiedTip: !args.strict,
      trustedGenesisHash: args.genesisHash,
      onBlock: (height) => bar.update(height),
      strayRow: (tip) => source.strayRow(tip),
    });
    bar.stop();
    for (const line of formatVerdict(verdict)) process.stdout.write(`${line}\n`);
    return verdict.ok ? 0 : 1;
  } catch (error) {
    bar.stop();
    // Prisma's messages span several lines; one line is enough to say why the chain could not be read.
    const message = (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ').trim();
    console.error(`cannot verify ledger_${args.signer}: ${message}`);
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
