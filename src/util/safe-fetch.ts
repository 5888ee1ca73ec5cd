// Fetches a user-supplied URL without letting it reach the server's own network (SSRF): http(s)
// only; every address a host resolves to must be public unless allow-listed (by address, or by the
// host's name); the connection is pinned to the checked address (no DNS rebinding); each redirect is
// checked again; size and time are bounded.
import { lookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import type { Readable, Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { isAddressRange } from './address-range.js';
import { ipv4FromGroups, ipv6FromGroups, ipv6Groups } from './ip-address.js';

export type FetchFailure = 'invalid_url' | 'blocked_address' | 'too_large' | 'timeout' | 'http_status' | 'too_many_redirects' | 'network';

export class FetchError extends Error {
  override readonly name = 'FetchError';
  constructor(
    readonly reason: FetchFailure,
    message: string,
    /** The error status the host answered (http_status). */
    readonly status?: number,
  ) {
    super(message);
  }

  /**
   * Whether the same fetch may work a moment later: the host could not be reached, was too slow, or
   * answered that it is busy or failing (408, 425, 429, 5xx). An address refused, a file too large, a
   * 404 or a redirect loop will be the same next time.
   */
  get transient(): boolean {
    if (this.reason === 'network' || this.reason === 'timeout') return true;
    const status = this.status ?? 0;
    return this.reason === 'http_status' && (status === 408 || status === 425 || status === 429 || status >= 500);
  }
}

export interface SafeFetchOptions {
  /** IPs, CIDRs or host names that may be reached even though they are private (tests use 127.0.0.1). */
  readonly allow: readonly string[];
  readonly timeoutMs: number;
  readonly maxBytes: number;
  readonly maxRedirects: number;
}

export interface Fetched {
  readonly bytes: Buffer;
  readonly finalUrl: string;
  readonly contentType: string | undefined;
}

const PRIVATE4 = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24],
  ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) PRIVATE4.addSubnet(net, prefix, 'ipv4');
// The forms that embed an IPv4 address (mapped, compatible, translated, 6to4, NAT64) are judged in
// isPrivateAddress, by what they embed; this list is the rest of the non-public IPv6 space, as IANA's
// special-purpose registry marks it not globally reachable: 2001::/23 whole (Teredo, benchmarking
// 2001:2::/48, the deprecated ORCHID 2001:10::/28; its few global blocks, such as AS112 and AMT, are
// no webhook's or document's host), the discard-only 100::/64 and dummy 100:0:0:1::/64, the
// documentation 2001:db8::/32 and 3fff::/20, and the SRv6 SIDs of 5f00::/16.
const PRIVATE6 = new BlockList();
for (const [net, prefix] of [
  ['::', 128], ['::1', 128], ['64:ff9b:1::', 48], ['100::', 64], ['100:0:0:1::', 64], ['2001::', 23], ['2001:db8::', 32], ['3fff::', 20],
  ['5f00::', 16], ['fc00::', 7], ['fe80::', 10], ['fec0::', 10], ['ff00::', 8],
] as const) PRIVATE6.addSubnet(net, prefix, 'ipv6');

/** One DNS label: letters, digits and inner hyphens, 1-63 characters. */
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;

/**
 * A host name as an operator writes it in the allow list ("localhost", "files.internal"): DNS labels,
 * at most 253 characters, the last one not all digits (the URL parser takes "10.1" for an address).
 */
export function isHostName(entry: string): boolean {
  const labels = entry.split('.');
  return entry.length <= 253 && labels.every((l) => LABEL.test(l)) && !/^\d+$/.test(labels[labels.length - 1] ?? '');
}

/** What the allow list accepts: an IP address, a CIDR range or a host name. */
export const isAllowEntry = (entry: string): boolean => isAddressRange(entry) || isHostName(entry);

interface AllowList {
  readonly addresses: BlockList;
  /** Lower-case names whose resolved addresses are reached whatever they are: the operator named them. */
  readonly hosts: ReadonlySet<string>;
}

function allowList(entries: readonly string[]): AllowList {
  const addresses = new BlockList();
  const hosts = new Set<string>();
  for (const entry of entries) {
    if (isAddressRange(entry)) {
      const [addr = '', prefix] = entry.split('/');
      const family = isIP(addr) === 6 ? 'ipv6' : 'ipv4';
      if (prefix === undefined) addresses.addAddress(addr, family);
      else addresses.addSubnet(addr, Number(prefix), family);
    } else if (isHostName(entry)) hosts.add(entry.toLowerCase());
  }
  return { addresses, hosts };
}

/** What a connection to an address reaches: itself, or the IPv4 address an IPv4-mapped IPv6 one stands for. */
interface Target {
  readonly address: string;
  readonly family: 'ipv4' | 'ipv6';
  readonly private: boolean;
}

function targetOf(address: string): Target | undefined {
  if (isIP(address) === 4) return { address, family: 'ipv4', private: PRIVATE4.check(address, 'ipv4') };
  const g = ipv6Groups(address);
  if (!g) return undefined;
  const canonical = ipv6FromGroups(g);
  const v6 = (isPrivate: boolean): Target => ({ address: canonical, family: 'ipv6', private: isPrivate });
  const embedded = (high = 6): string => ipv4FromGroups(g[high] ?? 0, g[high + 1] ?? 0);
  const zeros = (from: number, to: number): boolean => g.slice(from, to).every((x) => x === 0);
  // ::ffff:a.b.c.d — the kernel connects to a.b.c.d over IPv4, so it is that address.
  if (zeros(0, 5) && g[5] === 0xffff) return targetOf(embedded());
  // ::a.b.c.d (IPv4-compatible, deprecated: RFC 4291) and ::ffff:0:a.b.c.d (SIIT, RFC 6052): no public
  // service is addressed this way; both can reach an IPv4 address through a translator.
  if (zeros(0, 6) || (zeros(0, 4) && g[4] === 0xffff && g[5] === 0)) return v6(true);
  // 64:ff9b::a.b.c.d (NAT64 well-known prefix, RFC 6052) and 2002:aabb:ccdd::/48 (6to4, RFC 3056)
  // reach the IPv4 address they embed: as public or private as it is. DNS64 on an IPv6-only host hands
  // out the former for every IPv4-only site, so refusing the whole prefix would refuse the web.
  if (g[0] === 0x64 && g[1] === 0xff9b && zeros(2, 6)) return v6(PRIVATE4.check(embedded(), 'ipv4'));
  if (g[0] === 0x2002) return v6(PRIVATE4.check(embedded(1), 'ipv4'));
  return v6(PRIVATE6.check(canonical, 'ipv6'));
}

/**
 * True when `address` is loopback, private, link-local (cloud metadata), site-local, reserved or
 * multicast, in any spelling: IPv6 forms that embed an IPv4 address are judged by what they reach.
 * Anything that is not an IP address is refused.
 */
export function isPrivateAddress(address: string): boolean {
  return targetOf(address)?.private ?? true;
}

/** True when a connection to `address` must not be made: a private address that `allow` does not name. */
export function isRefusedAddress(address: string, allow: readonly string[] | BlockList): boolean {
  const target = targetOf(address);
  if (!target) return true;
  if (!target.private) return false;
  const allowed = allow instanceof BlockList ? allow : allowList(allow).addresses;
  return !allowed.check(target.address, target.family);
}

/** An address a host was resolved to and checked at. */
export interface CheckedTarget {
  readonly address: string;
  readonly family: number;
}

/**
 * Resolves `host` (a name or a literal address, bracketed or not) and checks every address it
 * resolves to, unless the allow list names the host; throws FetchError blocked_address or network.
 * Connect to the result with pinnedLookup.
 */
export function resolveAllowed(host: string, allow: readonly string[]): Promise<CheckedTarget> {
  return resolveChecked(host, allowList(allow));
}

/** A lookup that always answers `target`: the connection goes to the address that was checked, whatever DNS says a moment later. */
export function pinnedLookup(target: CheckedTarget): LookupFunction {
  return (_host, opts, cb) => {
    if (opts.all) cb(null, [{ address: target.address, family: target.family }]);
    else cb(null, target.address, target.family);
  };
}

async function resolveChecked(host: string, allowed: AllowList): Promise<CheckedTarget> {
  const bare = host.replace(/^\[|\]$/g, '');
  // Exact names only: "localhost" allows http://localhost/, not a.localhost or a name that resolves
  // to the same address.
  const named = isIP(bare) === 0 && allowed.hosts.has(bare.toLowerCase());
  let addresses: { address: string; family: number }[];
  if (isIP(bare)) addresses = [{ address: bare, family: isIP(bare) }];
  else {
    try {
      addresses = await lookup(bare, { all: true, verbatim: true });
    } catch {
      throw new FetchError('network', `cannot resolve ${bare}`);
    }
  }
  if (addresses.length === 0) throw new FetchError('network', `cannot resolve ${bare}`);
  // Every address must pass: a name that resolves to one public and one private address is refused.
  for (const a of addresses) {
    if (!named && isRefusedAddress(a.address, allowed.addresses)) throw new FetchError('blocked_address', `${bare} resolves to a non-public address`);
  }
  return addresses[0]!;
}

export async function safeFetch(rawUrl: string, options: SafeFetchOptions): Promise<Fetched> {
  const allowed = allowList(options.allow);
  const deadline = Date.now() + options.timeoutMs;
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw new FetchError('invalid_url', 'not a valid URL');
  }
  for (let hop = 0; ; hop++) {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new FetchError('invalid_url', `${url.protocol} URLs are not fetched`);
    if (url.username || url.password) throw new FetchError('invalid_url', 'URLs with credentials are not fetched');
    const target = await resolveChecked(url.hostname, allowed);
    const res = await request(url, target, deadline, options.maxBytes);
    if (res.redirect) {
      if (hop >= options.maxRedirects) throw new FetchError('too_many_redirects', 'too many redirects');
      url = redirectTarget(res.redirect, url);
      continue;
    }
    return { bytes: res.body ?? Buffer.alloc(0), finalUrl: url.toString(), contentType: res.contentType };
  }
}

/** Where a redirect leads: its Location read against the URL that answered it. */
function redirectTarget(location: string, from: URL): URL {
  try {
    return new URL(location, from);
  } catch {
    throw new FetchError('invalid_url', 'the URL redirects to a location that is not a valid URL');
  }
}

/**
 * A decoder for a body sent with Content-Encoding (objects stored compressed are served so, asked or
 * not); undefined for an identity body. Only what is decoded counts against the size limit, so a
 * small compressed bomb stops where a plain file of that size would.
 */
function decoderFor(encoding: string | undefined): Transform | undefined {
  switch (encoding?.trim().toLowerCase()) {
    case 'gzip':
    case 'x-gzip':
      return createGunzip();
    case 'deflate':
      return createInflate();
    case 'br':
      return createBrotliDecompress();
    default:
      return undefined;
  }
}

interface HopResult {
  readonly redirect?: string;
  readonly body?: Buffer;
  readonly contentType?: string;
}

function request(url: URL, target: CheckedTarget, deadline: number, maxBytes: number): Promise<HopResult> {
  return new Promise((resolve, reject) => {
    const remaining = deadline - Date.now();
    if (remaining <= 0) return reject(new FetchError('timeout', 'fetch timed out'));
    const pinned = pinnedLookup(target);
    const client = url.protocol === 'https:' ? https : http;
    const req = client.get(url, { lookup: pinned, headers: { 'user-agent': 'Capstan/1 (document fetch)', accept: '*/*' }, timeout: remaining }, (res) => {
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && res.headers.location) {
        res.resume();
        return resolve({ redirect: res.headers.location });
      }
      if (status < 200 || status >= 300) {
        res.resume();
        return reject(new FetchError('http_status', `the URL answered HTTP ${status}`, status));
      }
      const declared = Number(res.headers['content-length']);
      if (Number.isFinite(declared) && declared > maxBytes) {
        res.destroy();
        return reject(new FetchError('too_large', `the file is larger than ${maxBytes} bytes`));
      }
      const decoder = decoderFor(res.headers['content-encoding']);
      const body: Readable = decoder ? res.pipe(decoder) : res;
      const chunks: Buffer[] = [];
      let size = 0;
      body.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) {
          res.destroy();
          decoder?.destroy();
          reject(new FetchError('too_large', `the file is larger than ${maxBytes} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      body.on('end', () => resolve({ body: Buffer.concat(chunks), contentType: res.headers['content-type'] }));
      res.on('error', () => reject(new FetchError('network', 'the download was interrupted')));
      decoder?.on('error', () => {
        res.destroy();
        reject(new FetchError('network', `the download's ${String(res.headers['content-encoding'])} encoding is damaged`));
      });
    });
    const timer = setTimeout(() => req.destroy(new FetchError('timeout', 'fetch timed out')), remaining);
    req.on('close', () => clearTimeout(timer));
    req.on('timeout', () => req.destroy(new FetchError('timeout', 'fetch timed out')));
    req.on('error', (e) => reject(e instanceof FetchError ? e : new FetchError('network', 'the URL could not be reached')));
  });
}
