// The URL a server makes from its bind address when no public URL is configured: links in answers and
// the start log must be URLs a client can open.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bindUrl } from '../../src/util/hosts.js';
import { startServer } from '../helpers/server.js';

test('an IPv6 address goes in brackets; a wildcard bind becomes localhost; other hosts stay as written', () => {
  assert.equal(bindUrl('::1', 8000), 'http://[::1]:8000');
  assert.equal(bindUrl('2001:db8::5', 80), 'http://[2001:db8::5]:80');
  assert.equal(bindUrl('fe80::1%eth0', 8000), 'http://[fe80::1%25eth0]:8000');
  for (const wildcard of ['0.0.0.0', '::', '::0', '0:0:0:0:0:0:0:0']) assert.equal(bindUrl(wildcard, 8000), 'http://localhost:8000', wildcard);
  assert.equal(bindUrl('127.0.0.1', 8000), 'http://127.0.0.1:8000');
  assert.equal(bindUrl('capstan.internal', 8000), 'http://capstan.internal:8000');
  for (const host of ['::1', '2001:db8::5']) assert.ok(URL.canParse(bindUrl(host, 1)), host);
});

test('a server bound to ::1 answers with URLs that open it', async (t) => {
  let server;
  try {
    server = await startServer({ host: '::1' });
  } catch (e) {
    t.skip(`no IPv6 loopback here: ${String(e)}`);
    return;
  }
  try {
    assert.match(server.url, /^http:\/\/\[::1\]:\d+$/);
    assert.equal(server.server.ctx.publicUrl(), server.url);
    assert.equal((await fetch(server.url + '/healthz')).status, 200);
  } finally {
    await server.close();
  }
});
