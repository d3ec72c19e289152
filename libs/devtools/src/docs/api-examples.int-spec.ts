import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSignatureHeaders, verifyRequestSignature } from '@concord/crypto';
import { DEMO_CONSORTIUM, participantKey } from '../demo/consortium';

/**
 * The two complete examples of docs/api.md, run as they are written, against a server that checks their
 * requests the way the gateway's AuthService does (libs/crypto's parser and verifier, freshness, one use
 * per signature). A change of the signing profile that the guide does not follow fails here, not at a
 * partner's first integration.
 */

const API_GUIDE = join(__dirname, '../../../../docs/api.md');

/** The code block that follows `<!-- docs-example: <tag> -->` in the guide. */
function example(tag: string): string {
  const text = readFileSync(API_GUIDE, 'utf8');
  const marker = text.indexOf(`<!-- docs-example: ${tag} -->`);
  if (marker < 0) throw new Error(`docs/api.md has no example marked ${tag}`);
  const block = /```[a-z]+\n([\s\S]*?)\n```/.exec(text.slice(marker));
  if (!block) throw new Error(`no code block after the ${tag} marker`);
  return block[1] + '\n';
}

interface Received {
  method: string;
  url: string;
  keyId: string;
  idempotencyKey?: string;
  contentType?: string;
  body: string;
}

/** A stand-in gateway: authenticates like AuthService, answers like the transfers routes. */
function stubGateway(): Promise<{ server: Server; url: string; received: Received[]; refusals: string[] }> {
  const { keyId, key } = participantKey(DEMO_CONSORTIUM, 'hk-remit');
  const seen = new Set<string>();
  const received: Received[] = [];
  const refusals: string[] = [];
  const header = (req: IncomingMessage, name: string) => {
    const v = req.headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const [path, ...rest] = (req.url ?? '').split('?');
      const parsed = parseSignatureHeaders({
        signatureInput: header(req, 'signature-input'),
        signature: header(req, 'signature'),
        contentDigest: header(req, 'content-digest'),
        body,
      });
      let refusal: string | undefined;
      if ('problem' in parsed) refusal = parsed.problem;
      else if (parsed.keyId !== keyId) refusal = 'UNKNOWN_KEY';
      else if (
        !verifyRequestSignature(
          key.publicKeyHex,
          { method: req.method ?? '', path, query: rest.join('?'), body, ...parsed },
          parsed.signature,
        )
      )
        refusal = 'INVALID_SIGNATURE';
      else if (Math.abs(Date.now() / 1000 - parsed.created) > 60) refusal = 'STALE_SIGNATURE';
      else if (seen.has(parsed.signature)) refusal = 'REPLAYED_REQUEST';
      if (refusal || 'problem' in parsed) {
        refusals.push(`${req.method} ${req.url}: ${refusal}`);
        res.writeHead(401, { 'content-type': 'application/problem+json' });
        res.end(JSON.stringify({ status: 401, code: refusal, title: 'Unauthenticated' }));
        return;
      }
      seen.add(parsed.signature);
      received.push({
        method: req.method ?? '',
        url: req.url ?? '',
        keyId: parsed.keyId,
        idempotencyKey: header(req, 'idempotency-key'),
        contentType: header(req, 'content-type'),
        body,
      });
      const id = body ? (JSON.parse(body) as { id: string }).id : path.split('/')[3];
      res.writeHead(req.method === 'POST' ? 202 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id, status: 'committed', blockHeight: 2 }));
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ server, url: `http://127.0.0.1:${port}`, received, refusals });
    }),
  );
}

function run(command: string, args: string[], cwd: string, env: Record<string, string>) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      command,
      args,
      { cwd, env: { ...process.env, ...env }, timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('the complete examples of docs/api.md', () => {
  let gateway: Awaited<ReturnType<typeof stubGateway>>;
  let dir: string;

  beforeEach(async () => {
    gateway = await stubGateway();
    dir = mkdtempSync(join(tmpdir(), 'concord-api-examples-'));
  });

  afterEach(async () => {
    await new Promise((resolve) => gateway.server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it('TypeScript (node:crypto and fetch): a signed POST with an Idempotency-Key, answered', async () => {
    writeFileSync(join(dir, 'signed-transfer.ts'), example('typescript'));
    const tsx = join(__dirname, '../../../../node_modules/.bin/tsx');
    const result = await run(tsx, ['signed-transfer.ts'], dir, { CONCORD_URL: gateway.url });
    expect(gateway.refusals).toEqual([]);
    expect(result).toMatchObject({ code: 0, stdout: 'committed  2\n' });
    const [post] = gateway.received;
    expect(post).toMatchObject({
      method: 'POST',
      url: '/v1/transfers?wait=2000',
      keyId: 'hk-remit-1',
      contentType: 'application/json',
    });
    expect(post.idempotencyKey).toMatch(/^[0-9a-f-]{36}$/);
  }, 60_000);

  it('curl and OpenSSL: a signed POST with an Idempotency-Key, answered', async () => {
    writeFileSync(join(dir, 'signed-transfer.sh'), example('bash'));
    const result = await run('bash', ['signed-transfer.sh'], dir, { CONCORD_URL: gateway.url });
    expect(gateway.refusals).toEqual([]);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({ id: 'inv-curl-1', status: 'committed', blockHeight: 2 });
    expect(gateway.received).toHaveLength(1);
    expect(gateway.received[0]).toMatchObject({
      method: 'POST',
      url: '/v1/transfers?wait=2000',
      keyId: 'hk-remit-1',
      contentType: 'application/json',
    });
    expect(gateway.received[0].idempotencyKey).toMatch(/^[0-9a-f]{32}$/);
  }, 60_000);
});
