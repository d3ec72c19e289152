import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/**
 * Addresses a webhook must not reach unless GATEWAY_WEBHOOK_ALLOW_PRIVATE_URLS is true: otherwise a
 * partner could make the gateway POST into the operator's own network (server-side request forgery):
 * this host, the private ranges, link-local (cloud metadata at 169.254.169.254), carrier-grade NAT,
 * multicast and reserved ranges, and IPv4 through IPv6 (mapped addresses).
 */
const NOT_PUBLIC_V4 = new BlockList();
// Apart: a BlockList checks IPv4 addresses against its IPv6 rules too, as mapped addresses (::ffff:0:0/96).
const NOT_PUBLIC_V6 = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  NOT_PUBLIC_V4.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['::ffff:0:0', 96],
  ['64:ff9b::', 96],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  NOT_PUBLIC_V6.addSubnet(net, prefix, 'ipv6');
}

/** True for an IP address (v4 or v6, without brackets) that is not a public unicast address. */
export function isNonPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  return family === 4 ? NOT_PUBLIC_V4.check(address, 'ipv4') : NOT_PUBLIC_V6.check(address, 'ipv6');
}

/**
 * Why a webhook URL is refused at creation, or undefined: its host is a name of this machine
 * (`localhost`, `*.localhost`) or a literal non-public address. URL parsing already turned the other
 * spellings of an address (`2130706433`, `0x7f.1`, `[::ffff:127.0.0.1]`) into the usual form. Names are
 * not resolved here (they may resolve elsewhere at delivery time): `nonPublicTarget` checks each attempt.
 */
export function refusedWebhookHost(url: string): string | undefined {
  const host = new URL(url).hostname
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '');
  if (host === 'localhost' || host.endsWith('.localhost'))
    return `${host} is this machine; webhooks go to public addresses only`;
  if (isNonPublicAddress(host))
    return `${host} is a loopback, private, link-local or reserved address; webhooks go to public addresses only`;
  return undefined;
}

/**
 * Before an attempt: why its URL must not be called now, or undefined. A name that resolves to a
 * non-public address (perhaps changed since the subscription was made) is refused; a name that does not
 * resolve is left to the request itself, which then fails with its own error.
 */
export async function nonPublicTarget(url: string): Promise<string | undefined> {
  const refused = refusedWebhookHost(url);
  if (refused) return refused;
  const host = new URL(url).hostname.replace(/^\[(.*)\]$/, '$1');
  if (isIP(host) !== 0) return undefined;
  const addresses = await lookup(host, { all: true }).catch(() => []);
  const inside = addresses.find((a) => isNonPublicAddress(a.address));
  return inside ? `${host} resolves to ${inside.address}, which is not a public address` : undefined;
}
