import { writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { commonSchema, loadConfig } from '@concord/config';
import { signingKeyFromSeed } from '@concord/crypto';
import { ConsortiumError, genesisFromFile, genesisHash } from './consortium-file';
import { publishGenesis } from './publish';

const USAGE = `usage:
  npm run -s ledger:genesis -- --consortium <file> [--out <genesis.json>] [--publish]
      validates the consortium file, prints the genesis hash; --out writes the genesis command;
      --publish appends it to the command log of KAFKA_BROKERS / KAFKA_TOPIC_PREFIX unless it is there
  npm run -s ledger:genesis -- keygen
      a new Ed25519 key pair: the seed goes into the organisation's own secret, the public key into
      the consortium file`;

/** A fresh key pair from the operating system's random source, never from a derivable seed. */
function keygen(): void {
  const seedHex = randomBytes(32).toString('hex');
  const { publicKeyHex } = signingKeyFromSeed(seedHex);
  console.log(JSON.stringify({ seed: seedHex, publicKey: publicKeyHex }, null, 2));
}

async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'keygen') {
    keygen();
    return 0;
  }
  const { values } = parseArgs({
    args: argv,
    options: {
      consortium: { type: 'string' },
      out: { type: 'string' },
      publish: { type: 'boolean', default: false },
    },
  });
  if (!values.consortium) {
    console.error(USAGE);
    return 2;
  }
  const { genesis, demo } = genesisFromFile(values.consortium);
  const hash = genesisHash(genesis);
  if (demo) console.error('warning: a DEMO consortium: its keys come from the public demo seed');
  if (values.out) writeFileSync(values.out, `${JSON.stringify(genesis, null, 2)}\n`);
  console.log(
    `genesis ${genesis.chainId}: ${genesis.signers.length} signers, quorum ${genesis.quorum}, ` +
      `${genesis.participants.length} participants, ${genesis.operators.length} operator keys ` +
      `(threshold ${genesis.governanceThreshold})`,
  );
  console.log(`sha256 ${hash}`);
  if (values.publish) {
    const config = loadConfig(commonSchema);
    const done = await publishGenesis(genesis, config.KAFKA_BROKERS.split(','), config.KAFKA_TOPIC_PREFIX);
    console.log(done === 'published' ? 'published to the command log' : 'already on the command log');
  }
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: Error) => {
      console.error(e instanceof ConsortiumError || e.name === 'ConfigError' ? e.message : (e.stack ?? e));
      process.exit(1);
    },
  );
}
