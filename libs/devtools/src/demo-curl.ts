import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { signRequest } from '@concord/crypto';
import { DEMO_CONSORTIUM, participantKey } from './consortium';

/**
 * `npm run -s demo:curl -- <participant> <METHOD> <path> [body]`: signs a request with a demo partner's
 * key, prints the curl command and runs it. For trying the API by hand on `npm start`.
 */
function main(): void {
  const [participant, method, pathAndQuery, body = ''] = process.argv.slice(2);
  if (!participant || !method || !pathAndQuery) {
    console.error("usage: npm run -s demo:curl -- hk-remit POST /v1/transfers '{...}'");
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
    // The gateway refuses any request it has seen: without a nonce, the same read twice in a second is one.
    nonce: randomBytes(12).toString('base64url'),
  });
  const args = ['-sS', '-X', method.toUpperCase(), base + pathAndQuery];
  for (const [name, value] of Object.entries(headers)) args.push('-H', `${name}: ${value}`);
  if (body) args.push('-H', 'content-type: application/json', '--data-raw', body);
  console.error('curl ' + args.map((a) => (/^[\w/:.=?-]+$/.test(a) ? a : `'${a}'`)).join(' '));
  process.stdout.write(execFileSync('curl', args, { encoding: 'utf8' }) + '\n');
}

main();
