// Whether a URL's host (as the WHATWG URL parser gives it: lower-cased, an international name made
// ASCII) is a plain DNS name or IP address. The parser also lets through hosts such as `*`,
// `*.example.com` or `a.com;script-src`, which no browser sends in an Origin header and which would
// change the meaning of a Content-Security-Policy they were copied into. Also the URL a bind address makes.
import { isIP } from 'node:net';

const DNS_NAME = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const IPV6 = /^\[[0-9a-f:.]+\]$/;

export const isPlainHost = (hostname: string): boolean => DNS_NAME.test(hostname) || IPV6.test(hostname);

/**
 * An origin as a browser sends it in Origin — scheme://host[:port], lower-cased, the default port
 * dropped — or undefined for anything else: a path, query, user, wildcard host or a port past 65535
 * could never match one.
 */
export function canonicalOrigin(value: string): string | undefined {
  if (!/^https?:\/\/[^/?#@\s]+$/i.test(value) || !URL.canParse(value)) return undefined;
  const url = new URL(value);
  return isPlainHost(url.hostname) ? url.origin : undefined;
}

/**
 * The http URL of a server bound to `host` on `port`, for links when no public URL is configured. A
 * wildcard bind (0.0.0.0, ::) is no address to visit, so localhost stands for it; an IPv6 address goes
 * in brackets (a zone's `%` escaped, RFC 6874), or the port would read as part of it.
 */
export function bindUrl(host: string, port: number): string {
  if (isIP(host) === 4) return `http://${host === '0.0.0.0' ? 'localhost' : host}:${port}`;
  if (isIP(host) === 6) return `http://${isUnspecifiedV6(host) ? 'localhost' : `[${host.replace('%', '%25')}]`}:${port}`;
  return `http://${host}:${port}`;
}

/** `::` however written (`::0`, `0:0:0:0:0:0:0:0`): every group zero. */
const isUnspecifiedV6 = (host: string): boolean => !host.includes('%') && host.split(':').every((group) => /^0*$/.test(group));
