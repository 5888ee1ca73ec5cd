// IP addresses by value rather than by spelling: one IPv6 address has many spellings ("::ffff:7f00:1",
// "::ffff:127.0.0.1", "0:0:0:0:0:ffff:7f00:0001"), so checks compare its 16-bit groups.
import { isIP } from 'node:net';

/** The eight 16-bit groups of an IPv6 address in any valid spelling, or undefined for anything else. */
export function ipv6Groups(address: string): number[] | undefined {
  if (isIP(address) !== 6) return undefined;
  let text = address.toLowerCase();
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  // A dotted IPv4 tail stands for the last two groups.
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    const v4 = tail.split('.').map(Number);
    text = `${text.slice(0, lastColon + 1)}${(((v4[0] ?? 0) << 8) | (v4[1] ?? 0)).toString(16)}:${(((v4[2] ?? 0) << 8) | (v4[3] ?? 0)).toString(16)}`;
  }
  const [head = '', rest] = text.split('::');
  const parse = (part: string): number[] => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const left = parse(head);
  if (rest === undefined) return left;
  const right = parse(rest);
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}

/** The IPv4 address held by two 16-bit groups. */
export function ipv4FromGroups(high: number, low: number): string {
  return `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
}

/** A canonical spelling of the groups (uncompressed lowercase hex), for comparisons and block lists. */
export function ipv6FromGroups(groups: readonly number[]): string {
  return groups.map((g) => g.toString(16)).join(':');
}
