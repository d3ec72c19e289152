import { isNonPublicAddress, nonPublicTarget, refusedWebhookHost } from './webhook-url';

describe('webhook URL policy', () => {
  it('refuses names of this machine and every spelling of a non-public address', () => {
    for (const url of [
      'http://localhost/h',
      'http://LOCALHOST./h',
      'https://api.localhost:8443/h',
      'http://127.0.0.1/h',
      'http://127.1.2.3:3000/h',
      'http://2130706433/h',
      'http://0x7f.1/h',
      'http://0.0.0.0/h',
      'http://10.0.0.1/h',
      'http://100.64.1.1/h',
      'http://172.31.255.255/h',
      'http://192.168.0.10/h',
      'http://169.254.169.254/latest/meta-data',
      'http://224.0.0.1/h',
      'http://255.255.255.255/h',
      'http://[::1]/h',
      'http://[::]/h',
      'http://[::ffff:127.0.0.1]/h',
      'http://[::ffff:8.8.8.8]/h',
      'http://[fd12:3456::1]/h',
      'http://[fe80::1]/h',
    ]) {
      expect([url, refusedWebhookHost(url) !== undefined]).toEqual([url, true]);
    }
  });

  it('accepts public addresses and names', () => {
    for (const url of [
      'https://hooks.example.com/concord',
      'http://8.8.8.8/h',
      'http://172.32.0.1/h',
      'http://192.169.0.1/h',
      'https://[2001:4860:4860::8888]/h',
      'https://localhost.example.com/h',
    ]) {
      expect([url, refusedWebhookHost(url)]).toEqual([url, undefined]);
    }
    expect(isNonPublicAddress('not-an-ip')).toBe(false);
  });

  it('checks at delivery time what a name resolves to', async () => {
    // `localhost` is refused by name; an IP literal needs no lookup.
    expect(await nonPublicTarget('http://localhost:1/h')).toMatch(/this machine/);
    expect(await nonPublicTarget('http://8.8.8.8/h')).toBeUndefined();
    // A name that does not resolve is left to the request, which fails with its own error.
    expect(await nonPublicTarget('http://no-such-host.invalid/h')).toBeUndefined();
  });
});
