/**
 * Which peers count as "one address" for the per-address limit. An IPv4 address is one
 * host; an IPv6 host is normally given a whole /64, so counting single IPv6 addresses would
 * let one host take 2^64 times the limit. IPv6 peers are counted by their /64.
 */
import { unmapIPv4 } from '../protocol/address.js';

/** The key a peer's connections are counted under: `a.b.c.d`, or `x:x:x:x::/64` for IPv6. */
export function addressGroup(remoteAddress: string): string {
  const address = unmapIPv4(remoteAddress);
  if (!address.includes(':')) return address;
  const hextets = expandIPv6(address);
  return hextets === undefined ? address : `${hextets.slice(0, 4).join(':')}::/64`;
}

/** The eight hextets of an IPv6 address (without leading zeros), or undefined if it is not one. */
export function expandIPv6(address: string): string[] | undefined {
  const bare = address.split('%')[0] ?? ''; // a zone (fe80::1%eth0) names a link, not a host
  const halves = bare.split('::');
  if (halves.length > 2) return undefined;
  const words = (part: string | undefined): string[] =>
    part === undefined || part === '' ? [] : part.split(':');
  const head = words(halves[0]);
  const tail = words(halves[1]);
  // An embedded IPv4 tail (::ffff:1.2.3.4 is unmapped before this; 64:ff9b::1.2.3.4 is not).
  const last = tail.length > 0 ? tail : head;
  const dotted = last[last.length - 1];
  if (dotted?.includes('.') === true) {
    const bytes = dotted.split('.').map(Number);
    if (bytes.length !== 4 || bytes.some((b) => !Number.isInteger(b) || b < 0 || b > 255)) {
      return undefined;
    }
    const [a = 0, b = 0, c = 0, d = 0] = bytes;
    last.splice(-1, 1, ((a << 8) | b).toString(16), ((c << 8) | d).toString(16));
  }
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const all = [...head, ...Array<string>(halves.length === 1 ? 0 : missing).fill('0'), ...tail];
  if (!all.every((w) => /^[0-9a-fA-F]{1,4}$/.test(w))) return undefined;
  return all.map((w) => parseInt(w, 16).toString(16));
}
