// The SSRF guard judges addresses by value, not by spelling: every form of IPv6 that reaches an IPv4
// address (mapped, compatible, translated, 6to4, NAT64) is judged by the address it reaches, and the
// non-public IPv6 ranges (site-local included) are refused. At fetch time, every resolved address and
// every redirect target goes through the same check.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { ipv6Groups } from '../../src/util/ip-address.js';
import { FetchError, isAllowEntry, isPrivateAddress, isRefusedAddress, resolveAllowed, safeFetch } from '../../src/util/safe-fetch.js';

/** The host of a URL as the fetch sees it: the URL parser's own spelling, without brackets. */
const hostOf = (url: string) => new URL(url).hostname.replace(/^\[|\]$/g, '');

describe('isPrivateAddress', () => {
  test('loopback, private and metadata addresses in every IPv6 spelling that reaches them', () => {
    const urls = [
      'http://[::127.0.0.1]/', 'http://[::7f00:1]/', 'http://[0:0:0:0:0:0:127.0.0.1]/',
      'http://[::ffff:127.0.0.1]/', 'http://[::ffff:7f00:1]/', 'http://[0:0:0:0:0:ffff:127.0.0.1]/', 'http://[0000:0000:0000:0000:0000:FFFF:7F00:0001]/', 'http://[::FFFF:127.1.2.3]/',
      'http://[::ffff:0:127.0.0.1]/', 'http://[::ffff:0:8.8.8.8]/',
      'http://[2002:7f00:1::]/', 'http://[2002:a9fe:a9fe::1]/', 'http://[2002:c0a8:0101::]/',
      'http://[fec0::1]/', 'http://[fefe::1]/',
      'http://[64:ff9b::127.0.0.1]/', 'http://[64:ff9b::a9fe:a9fe]/', 'http://[64:ff9b::10.0.0.1]/', 'http://[64:ff9b:1::8.8.8.8]/',
      'http://[::ffff:169.254.169.254]/', 'http://[::ffff:10.1.2.3]/', 'http://[::ffff:192.168.0.1]/', 'http://[::ffff:0.0.0.0]/',
      'http://[::]/', 'http://[::1]/', 'http://[fe80::1]/', 'http://[fc00::1]/', 'http://[fd12:3456::1]/', 'http://[ff02::1]/', 'http://[2001:db8::1]/',
      'http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/', 'http://[100::1]/', 'http://[100:0:0:1::1]/',
      // IANA's special-purpose ranges that are not globally reachable: benchmarking, ORCHID, SRv6 SIDs, documentation.
      'http://[2001:2::1]/', 'http://[2001:10::1]/', 'http://[2001:1ff:ffff::1]/', 'http://[5f00::1]/', 'http://[3fff::1]/',
      'http://127.0.0.1/', 'http://127.1/', 'http://0x7f.0.0.1/', 'http://2130706433/', 'http://0177.0.0.1/', 'http://0/', 'http://169.254.169.254/', 'http://10.0.0.1/', 'http://192.168.1.1/', 'http://172.31.255.255/', 'http://100.64.0.1/',
    ];
    for (const url of urls) assert.equal(isPrivateAddress(hostOf(url)), true, `${url} (${hostOf(url)})`);
  });

  test('public addresses stay reachable, the IPv4 behind 6to4, NAT64 and mapped forms included', () => {
    for (const address of ['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '2a00:1450:4001:82b::200e', '::ffff:8.8.8.8', '::ffff:808:808', '2002:808:808::1', '64:ff9b::8.8.8.8', '64:ff9b::808:808', '172.32.0.1', '2001:200::1']) {
      assert.equal(isPrivateAddress(address), false, address);
    }
  });

  test('what is not an IP address is refused, and zone ids do not hide a link-local address', () => {
    for (const address of ['', 'localhost', 'example.com', '::ffff:999.0.0.1', 'fe80::1%eth0']) assert.equal(isPrivateAddress(address), true, address);
  });

  test('the allow list matches by value: an IPv4 allowed is allowed in its mapped spelling, and nothing else is', () => {
    assert.equal(isRefusedAddress('::ffff:127.0.0.2', ['127.0.0.2']), false);
    assert.equal(isRefusedAddress('::ffff:7f00:2', ['127.0.0.0/8']), false);
    assert.equal(isRefusedAddress('0:0:0:0:0:0:0:1', ['::1']), false);
    assert.equal(isRefusedAddress('::ffff:127.0.0.3', ['127.0.0.2']), true);
    assert.equal(isRefusedAddress('::127.0.0.2', ['127.0.0.2']), true, 'an IPv4-compatible address is not the IPv4 address');
    assert.equal(isRefusedAddress('8.8.8.8', []), false);
  });

  test('ipv6Groups reads every spelling to the same eight groups', () => {
    const expected = [0, 0, 0, 0, 0, 0xffff, 0x7f00, 1];
    for (const spelling of ['::ffff:127.0.0.1', '::ffff:7f00:1', '0:0:0:0:0:ffff:7f00:1', '0000:0000:0000:0000:0000:ffff:127.0.0.1', '::FFFF:7F00:0001']) {
      assert.deepEqual(ipv6Groups(spelling), expected, spelling);
    }
    assert.deepEqual(ipv6Groups('2001:db8::'), [0x2001, 0xdb8, 0, 0, 0, 0, 0, 0]);
    assert.equal(ipv6Groups('127.0.0.1'), undefined);
  });
});

describe('safeFetch at fetch time', () => {
  let server: http.Server;
  let base: string;
  let port: number;

  before(async () => {
    server = http.createServer((req, res) => {
      const query = new URL(req.url ?? '/', 'http://x').searchParams;
      const to = query.get('to');
      if (to) return res.writeHead(302, { location: to }).end();
      const encoding = query.get('encoding');
      if (encoding) {
        const body = Buffer.from(query.get('body') ?? 'ok');
        const encoded = encoding === 'br' ? brotliCompressSync(body) : encoding === 'deflate' ? deflateSync(body) : gzipSync(body);
        return res.writeHead(200, { 'content-encoding': encoding }).end(query.has('damaged') ? encoded.subarray(0, encoded.length - 6) : encoded);
      }
      res.writeHead(200).end('ok');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.2', r));
    port = (server.address() as AddressInfo).port;
    base = `http://127.0.0.2:${port}`;
  });
  after(() => server.close());

  const options = { allow: ['127.0.0.2'], timeoutMs: 5000, maxBytes: 1024, maxRedirects: 3 };
  const refused = async (url: string) => {
    await assert.rejects(safeFetch(url, options), (e: unknown) => e instanceof FetchError && e.reason === 'blocked_address', url);
  };

  test('an allowed address is fetched', async () => {
    assert.equal((await safeFetch(`${base}/`, options)).bytes.toString(), 'ok');
  });

  test('a name resolving to loopback is refused', async () => {
    await refused(`http://localhost:${port}/`);
  });

  test('redirects to IPv6 spellings of private addresses are refused', async () => {
    for (const target of [`http://[::ffff:127.0.0.1]:${port}/`, `http://[::127.0.0.1]:${port}/`, `http://[::ffff:0:127.0.0.1]:${port}/`, `http://[2002:7f00:1::]:${port}/`, `http://[fec0::1]:${port}/`, 'http://[64:ff9b::a9fe:a9fe]/latest/meta-data']) {
      await refused(`${base}/?to=${encodeURIComponent(target)}`);
    }
  });

  test('a redirect to a location that is not a URL fails invalid_url, as such a URL given at first does', async () => {
    for (const target of ['http://[::1', 'http://127.0.0.2:99999/x', 'http://', 'http://a b/x', `http://user:pw@127.0.0.2:${port}/`]) {
      await assert.rejects(safeFetch(`${base}/?to=${encodeURIComponent(target)}`, options), (e: unknown) => e instanceof FetchError && e.reason === 'invalid_url', target);
    }
  });

  test('a body sent with Content-Encoding is decoded, and the limit counts what it decodes to', async () => {
    for (const encoding of ['gzip', 'x-gzip', 'deflate', 'br']) {
      assert.equal((await safeFetch(`${base}/?encoding=${encoding}&body=%25PDF-1.7`, options)).bytes.toString(), '%PDF-1.7', encoding);
    }
    // 2,000 bytes compress to a few dozen: past the 1,024-byte limit once decoded.
    await assert.rejects(safeFetch(`${base}/?encoding=gzip&body=${'a'.repeat(2000)}`, options), (e: unknown) => e instanceof FetchError && e.reason === 'too_large');
    await assert.rejects(safeFetch(`${base}/?encoding=gzip&damaged=1&body=${'b'.repeat(500)}`, options), (e: unknown) => e instanceof FetchError && e.reason === 'network');
  });
});

describe('host names in the allow list', () => {
  test('the allow list takes IP addresses, CIDR ranges and host names, nothing else', () => {
    for (const entry of ['127.0.0.1', '10.0.0.0/8', 'fd00::/8', 'localhost', 'files.internal', 'Files-1.Example.COM']) assert.ok(isAllowEntry(entry), entry);
    for (const entry of ['http://localhost', 'localhost:8080', '*.internal', '10.0.0.0/33', '10.1', 'a..b', '-a.b', 'a_b', '', 'x'.repeat(64)]) assert.ok(!isAllowEntry(entry), entry);
  });

  test('a named host is reached whatever it resolves to, in any letter case; other names and the bare address are not', async () => {
    const target = await resolveAllowed('localhost', ['LOCALHOST']);
    assert.ok(isPrivateAddress(target.address), `localhost resolved to ${target.address}`);
    await assert.rejects(resolveAllowed('localhost', []), (e: unknown) => e instanceof FetchError && e.reason === 'blocked_address');
    await assert.rejects(resolveAllowed('127.0.0.1', ['localhost']), (e: unknown) => e instanceof FetchError && e.reason === 'blocked_address');
    assert.equal(isRefusedAddress('127.0.0.1', ['localhost']), true, 'a name allows no address by itself');
  });
});
