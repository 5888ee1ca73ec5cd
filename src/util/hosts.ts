// Whether a URL's host (as the WHATWG URL parser gives it: lower-cased, an international name made
// ASCII) is a plain DNS name or IP address. The parser also lets through hosts such as `*`,
// `*.example.com` or `a.com;script-src`, which no browser sends in an Origin header and which would
// change the meaning of a Content-Security-Policy they were copied into.
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
