import { createHmac } from 'node:crypto';
import { ConcordClient } from '@concord/sdk';
import { signWebhookPayload, verifyWebhookSignature } from './webhook-signature';

describe('webhook payload signatures', () => {
  const secret = 'whsec_test-secret';
  const body = JSON.stringify({ id: 'evt_1', type: 'transfer.committed', data: { amount: '1.00' } });
  const t = 1_800_000_000;

  it('is t=<unix>,v1=<hex HMAC-SHA256(secret, t + "." + body)>', () => {
    const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
    expect(signWebhookPayload(secret, body, t)).toBe(`t=${t},v1=${expected}`);
  });

  it('verifies what it signed, within the tolerance', () => {
    const header = signWebhookPayload(secret, body, t);
    expect(verifyWebhookSignature(secret, header, body, t + 10)).toEqual({ ok: true, timestampS: t });
    expect(ConcordClient.verifyWebhookSignature(secret, header, body, { nowS: t + 10 })).toBe(true);
  });

  it('refuses another body, another secret, an old timestamp and a malformed header', () => {
    const header = signWebhookPayload(secret, body, t);
    expect(verifyWebhookSignature(secret, header, body.replace('1.00', '9.00'), t)).toEqual({
      ok: false,
      reason: 'MISMATCH',
    });
    expect(verifyWebhookSignature('whsec_other', header, body, t).ok).toBe(false);
    expect(verifyWebhookSignature(secret, header, body, t + 301)).toEqual({ ok: false, reason: 'STALE' });
    // Moving the timestamp breaks the MAC: it is signed with the body.
    const moved = header.replace(`t=${t}`, `t=${t + 100}`);
    expect(verifyWebhookSignature(secret, moved, body, t + 100)).toEqual({ ok: false, reason: 'MISMATCH' });
    for (const bad of [undefined, '', 'v1=abc', `t=${t}`, `t=x,v1=${'0'.repeat(64)}`, 'garbage']) {
      expect(verifyWebhookSignature(secret, bad, body, t)).toEqual({ ok: false, reason: 'MALFORMED' });
      expect(ConcordClient.verifyWebhookSignature(secret, bad, body, { nowS: t })).toBe(false);
    }
    expect(ConcordClient.verifyWebhookSignature(secret, header, body + ' ', { nowS: t })).toBe(false);
    expect(ConcordClient.verifyWebhookSignature(secret, header, body, { nowS: t + 301 })).toBe(false);
  });

  it('accepts any of several v1 values (a secret being replaced)', () => {
    const mac = signWebhookPayload(secret, body, t).split('v1=')[1];
    const header = `t=${t},v1=${'a'.repeat(64)},v1=${mac}`;
    expect(verifyWebhookSignature(secret, header, body, t).ok).toBe(true);
    expect(ConcordClient.verifyWebhookSignature(secret, header, body, { nowS: t })).toBe(true);
  });
});
