// Addresses and CIDR ranges as an operator writes them ("127.0.0.1", "10.0.0.0/8", "fd00::/8"),
// matched by value: an IPv4 peer seen through a dual-stack socket ("::ffff:10.1.2.3") matches the
// IPv4 range it belongs to.
import { BlockList, isIP } from 'node:net';

const MAPPED_IPV4 = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;

/** True for an IP address, or an IP address and a prefix length that fits its family. */
export function isAddressRange(entry: string): boolean {
  const [address = '', prefix, extra] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

/** An IPv4-mapped IPv6 address as the IPv4 address it holds; any other address unchanged. */
export function unmapIpv4(address: string): string {
  return MAPPED_IPV4.exec(address)?.[1] ?? address;
}

/** A predicate telling whether an address falls in one of `entries` (each checked by isAddressRange). */
export function addressMatcher(entries: readonly string[]): (address: string) => boolean {
  const list = new BlockList();
  for (const entry of entries) {
    if (!isAddressRange(entry)) throw new Error(`not an IP address or CIDR range: ${JSON.stringify(entry)}`);
    const [address = '', prefix] = entry.split('/');
    const type = isIP(address) === 4 ? 'ipv4' : 'ipv6';
    if (prefix === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(prefix), type);
  }
  return (address) => {
    const plain = unmapIpv4(address);
    const family = isIP(plain);
    return family !== 0 && list.check(plain, family === 4 ? 'ipv4' : 'ipv6');
  };
}
