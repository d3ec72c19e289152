import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { signRequest } from '@concord/crypto';
import { DEMO_CONSORTIUM, participantKey } from './consortium';

/** One shell word: plain when it is safe, otherwise in single quotes (a quote inside as '\''). */
function shellWord(arg: string): string {
  return /^[\w/:.=?-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/**
 * `npm run -s demo:curl -- [--print-only] <participant> <METHOD> <path> [body]`: signs a request with a
 * demo partner's key, prints the curl command (on stderr) and runs it. For trying the API by hand on
 * `npm start`. With --print-only it prints the command on stdout and does not run it: the gateway takes
 * a signed write once and refuses a replay, so the printed command is the one to run yourself.
 */
function main(): void {
  const argv = process.argv.slice(2);
  const printOnly = argv.includes('--print-only');
  const [participant, method, pathAndQuery, body = ''] = argv.filter((a) => a !== '--print-only');
  if (!participant || !method || !pathAndQuery) {
    console.error("usage: npm run -s demo:curl -- [--print-only] hk-remit POST /v1/transfers '{...}'");
    process.exit(2);
  }
  const { keyId, key } = participantKey(DEMO_CONSORTIUM, participant);
  const base = process.env.GATEWAY_URL ?? `http://127.0.0.1:${process.env.GATEWAY_PORT ?? 3000}`;
  const headers = signRequest(key, {
    method,
    path: pathAndQuery.split('?')[0],
    query: pathAndQuery.split('?').slice(1).join('?'),
    body,
    created: Math.floor(Date.now() / 1000),
    keyId,
    // The gateway takes a signature once; without a nonce, the same request run twice in one second (three
    // runs at once, say) would be signed alike and all but the first refused as REPLAYED_REQUEST.
    nonce: randomBytes(12).toString('base64url'),
  });
  const args = ['-sS', '-X', method.toUpperCase(), base + pathAndQuery];
  for (const [name, value] of Object.entries(headers)) args.push('-H', `${name}: ${value}`);
  if (body) args.push('-H', 'content-type: application/json', '--data-raw', body);
  const command = 'curl ' + args.map(shellWord).join(' ');
  if (printOnly) {
    process.stdout.write(command + '\n');
    return;
  }
  console.error(command);
  process.stdout.write(execFileSync('curl', args, { encoding: 'utf8' }) + '\n');
}

main();
