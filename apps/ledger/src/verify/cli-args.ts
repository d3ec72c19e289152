import { parseArgs, ParseArgsConfig } from 'node:util';

/** The options naming one signer's stored chain, shared by `ledger:verify` and `ledger:export`. */
export const SIGNER_OPTIONS = {
  signer: { type: 'string' },
  'database-url': { type: 'string' },
} as const;

/** Node's own argument parser, strict: an unknown flag or a missing value is an error naming it. */
export function parseCli<O extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: O) {
  return parseArgs({ args: argv, options, strict: true, allowPositionals: false });
}

export function signerSource(
  values: { signer?: string; 'database-url'?: string },
  env: NodeJS.ProcessEnv,
): { signer: string; databaseUrl: string } {
  const signer = values.signer ?? 's1';
  // The signer id becomes part of a search_path: only what a genesis allows for signer ids.
  if (!/^[a-z0-9]{1,16}$/.test(signer)) throw new Error('--signer must be lower-case letters and digits');
  return {
    signer,
    databaseUrl:
      values['database-url'] ?? (env.DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/concord'),
  };
}
