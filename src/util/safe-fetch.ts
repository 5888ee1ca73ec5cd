// Fetches a user-supplied URL without letting it reach the server's own network (SSRF): http(s)
// only; every address a host resolves to must be public unless allow-listed; the connection is pinned
// to the checked address (no DNS rebinding); each redirect is checked again; size and time are bounded.
import { lookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';

export type FetchFailure = 'invalid_url' | 'blocked_address' | 'too_large' | 'timeout' | 'http_status' | 'too_many_redirects' | 'network';

export class FetchError extends Error {
  override readonly name = 'FetchError';
  constructor(
    readonly reason: FetchFailure,
    message: string,
  ) {
    super(message);
  }
}

export interface SafeFetchOptions {
  /** IPs or CIDRs that may be reached even though they are private (tests use 127.0.0.1). */
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

const PRIVATE = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24],
  ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) PRIVATE.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['64:ff9b::', 96], ['2001:db8::', 32]] as const) {
  PRIVATE.addSubnet(net, prefix, 'ipv6');
}

function allowList(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [addr = '', prefix] = entry.split('/');
    const family = isIP(addr) === 6 ? 'ipv6' : 'ipv4';
    if (!isIP(addr)) continue;
    if (prefix === undefined) list.addAddress(addr, family);
    else list.addSubnet(addr, Number(prefix), family);
  }
  return list;
}

/** True when `address` is loopback, private, link-local (cloud metadata), reserved or multicast. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return PRIVATE.check(address, 'ipv4');
  if (family !== 6) return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1]) return PRIVATE.check(mapped[1], 'ipv4');
  return PRIVATE.check(address, 'ipv6');
}

async function resolveChecked(host: string, allowed: BlockList): Promise<{ address: string; family: number }> {
  const bare = host.replace(/^\[|\]$/g, '');
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
    const ok = !isPrivateAddress(a.address) || allowed.check(a.address, a.family === 6 ? 'ipv6' : 'ipv4');
    if (!ok) throw new FetchError('blocked_address', `${bare} resolves to a non-public address`);
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
      url = new URL(res.redirect, url);
      continue;
    }
    return { bytes: res.body ?? Buffer.alloc(0), finalUrl: url.toString(), contentType: res.contentType };
  }
}

interface HopResult {
  readonly redirect?: string;
  readonly body?: Buffer;
  readonly contentType?: string;
}

function request(url: URL, target: { address: string; family: number }, deadline: number, maxBytes: number): Promise<HopResult> {
  return new Promise((resolve, reject) => {
    const remaining = deadline - Date.now();
    if (remaining <= 0) return reject(new FetchError('timeout', 'fetch timed out'));
    // Connect to the address that was checked, whatever DNS says a moment later.
    const pinned: LookupFunction = (_host, opts, cb) => {
      if (opts.all) cb(null, [{ address: target.address, family: target.family }]);
      else cb(null, target.address, target.family);
    };
    const client = url.protocol === 'https:' ? https : http;
    const req = client.get(url, { lookup: pinned, headers: { 'user-agent': 'Capstan/1 (document fetch)', accept: '*/*' }, timeout: remaining }, (res) => {
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && res.headers.location) {
        res.resume();
        return resolve({ redirect: res.headers.location });
      }
      if (status < 200 || status >= 300) {
        res.resume();
        return reject(new FetchError('http_status', `the URL answered HTTP ${status}`));
      }
      const declared = Number(res.headers['content-length']);
      if (Number.isFinite(declared) && declared > maxBytes) {
        res.destroy();
        return reject(new FetchError('too_large', `the file is larger than ${maxBytes} bytes`));
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) {
          res.destroy();
          reject(new FetchError('too_large', `the file is larger than ${maxBytes} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () => resolve({ body: Buffer.concat(chunks), contentType: res.headers['content-type'] }));
      res.on('error', () => reject(new FetchError('network', 'the download was interrupted')));
    });
    const timer = setTimeout(() => req.destroy(new FetchError('timeout', 'fetch timed out')), remaining);
    req.on('close', () => clearTimeout(timer));
    req.on('timeout', () => req.destroy(new FetchError('timeout', 'fetch timed out')));
    req.on('error', (e) => reject(e instanceof FetchError ? e : new FetchError('network', 'the URL could not be reached')));
  });
}
