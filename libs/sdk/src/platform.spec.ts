import { randomBytes } from 'node:crypto';
import { signingKeyFromSeed, signRequest } from '@concord/crypto';
import { signWebhookPayload } from '@concord/webhooks';
import { ConcordClient } from './client';
import { base64, base64url, signedRequestHeaders, uuid } from './platform';
import { nodePlatform } from './platform-node';
import { webPlatform } from './platform-web';

/**
 * The browser/React Native platform (noble, fetch) and the Node one (node:crypto, node:http) must sign
 * exactly as the services verify (libs/crypto): Ed25519 is deterministic, so the headers are equal byte
 * for byte.
 */
describe('SDK platforms', () => {
  const seedHex = '2a'.repeat(32);
  const seed = Buffer.from(seedHex, 'hex');
  const parts = {
    method: 'POST',
    path: '/v1/orders',
    query: 'wait=100',
    body: '{"option":"auto","note":"Grüße"}',
    created: 1_796_000_000,
    keyId: 'hk-remit-1',
    nonce: 'bm9uY2Utbm9uY2U',
  };

  it.each([
    ['web', webPlatform],
    ['node', nodePlatform],
  ])('%s signs requests exactly as libs/crypto does', (_, platform) => {
    expect(signedRequestHeaders(platform, seed, parts)).toEqual(
      signRequest(signingKeyFromSeed(seedHex), parts),
    );
    expect(Buffer.from(platform.publicKey(seed)).toString('hex')).toBe(
      signingKeyFromSeed(seedHex).publicKeyHex,
    );
  });

  it('computes the same SHA-256 and HMAC on both platforms', () => {
    for (let i = 0; i < 20; i++) {
      const data = randomBytes(i * 7);
      const key = randomBytes(i + 1);
      expect(webPlatform.sha256(data)).toEqual(nodePlatform.sha256(data));
      expect(webPlatform.hmacSha256(key, data)).toEqual(nodePlatform.hmacSha256(key, data));
    }
  });

  it.each([
    ['web', webPlatform],
    ['node', nodePlatform],
  ])('%s checks webhook signatures made by libs/webhooks', (_, platform) => {
    const body = '{"id":"oevt_1","type":"order.paid_out"}';
    const nowS = 1_796_000_000;
    const header = signWebhookPayload('whsec_x', body, nowS);
    expect(ConcordClient.verifyWebhookSignature('whsec_x', header, body, { nowS, platform })).toBe(true);
    expect(ConcordClient.verifyWebhookSignature('whsec_y', header, body, { nowS, platform })).toBe(false);
    expect(ConcordClient.verifyWebhookSignature('whsec_x', header, `${body} `, { nowS, platform })).toBe(
      false,
    );
    expect(
      ConcordClient.verifyWebhookSignature('whsec_x', header, body, { nowS: nowS + 301, platform }),
    ).toBe(false);
  });

  it('encodes base64 as Buffer does, and makes v4 UUIDs', () => {
    for (let n = 0; n < 40; n++) {
      const bytes = randomBytes(n);
      expect(base64(bytes)).toBe(bytes.toString('base64'));
      expect(base64url(bytes)).toBe(bytes.toString('base64url'));
    }
    expect(uuid(webPlatform)).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it('gives up a fetch exchange after its timeout with a TimeoutError', async () => {
    const { createServer } = await import('node:http');
    const server = createServer(() => undefined);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
    try {
      for (const platform of [webPlatform, nodePlatform]) {
        const started = Date.now();
        await expect(
          platform.exchange({ method: 'GET', url, headers: {}, body: '', timeoutMs: 150 }),
        ).rejects.toMatchObject({ name: 'TimeoutError' });
        expect(Date.now() - started).toBeLessThan(2000);
      }
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
