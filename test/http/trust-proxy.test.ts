// CAPSTAN_TRUST_PROXY: behind trusted proxies each client counts by the address X-Forwarded-For names
// (HTTP requests and WebSocket upgrades by one rule); without it, or from anyone else, the header is
// ignored and the peer address counts.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Fastify from 'fastify';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { clientAddress } from '../../src/http/index.js';
import { addressMatcher } from '../../src/util/address-range.js';
import { WebSocket } from 'ws';
import { startServer, type TestServer } from '../helpers/server.js';

const statusFrom = async (url: string, forwardedFor: string) => (await fetch(url, { headers: { 'x-forwarded-for': forwardedFor } })).status;

/** The status of an upgrade that must be refused. */
function upgradeStatus(url: string, forwardedFor: string): Promise<number> {
  const ws = new WebSocket(url, { headers: { 'x-forwarded-for': forwardedFor } });
  return new Promise((resolve, reject) => {
    ws.once('open', () => reject(new Error('the upgrade was accepted')));
    ws.once('unexpected-response', (_req, res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    ws.once('error', () => undefined);
  });
}

describe('with CAPSTAN_TRUST_PROXY=127.0.0.1', () => {
  let s: TestServer;
  before(async () => {
    s = await startServer({ trustProxy: ['127.0.0.1'], rateLimitPerMinute: 2, authFailuresPerMinute: 1 });
  });
  after(() => s.close());

  test('two clients behind the proxy have separate buckets', async () => {
    const url = `${s.url}/openapi.json`;
    assert.deepEqual([await statusFrom(url, '203.0.113.1'), await statusFrom(url, '203.0.113.1'), await statusFrom(url, '203.0.113.1')], [200, 200, 429]);
    assert.equal(await statusFrom(url, '203.0.113.2'), 200, 'another client behind the same proxy');
    assert.equal(await statusFrom(url, '198.51.100.9, 203.0.113.1'), 429, 'a hop the client wrote itself, left of what the proxy appended, changes nothing');
    assert.equal(await statusFrom(url, '203.0.113.2, 127.0.0.1'), 200, 'a chain of trusted proxies is walked to the first untrusted hop');
  });

  test('WebSocket upgrades follow the same rule', async () => {
    const upgrade = (forwardedFor: string) => upgradeStatus(`${s.url.replace('http', 'ws')}/api/v1/ws/c1?token=capout_test_madeup`, forwardedFor);
    assert.equal(await upgrade('203.0.113.7'), 401);
    assert.equal(await upgrade('203.0.113.7'), 429, "that client's failure budget is spent");
    assert.equal(await upgrade('203.0.113.8'), 401, 'another client behind the proxy still gets its own answer');
  });
});

describe('without CAPSTAN_TRUST_PROXY', () => {
  let s: TestServer;
  before(async () => {
    s = await startServer({ rateLimitPerMinute: 2 });
  });
  after(() => s.close());

  test('X-Forwarded-For is ignored: every spelling of it is the one peer', async () => {
    const url = `${s.url}/openapi.json`;
    assert.deepEqual([await statusFrom(url, '203.0.113.1'), await statusFrom(url, '203.0.113.2'), await statusFrom(url, '203.0.113.3')], [200, 200, 429]);
  });
});

describe('one rule for requests and upgrades', () => {
  test("clientAddress gives the address Fastify's trustProxy gives req.ip", async () => {
    const trusted = addressMatcher(['127.0.0.1', '10.0.0.0/8', 'fd00::/8']);
    const app = Fastify({ trustProxy: trusted });
    app.get('/', async (req) => ({ fastify: req.ip, ours: clientAddress(req.raw, trusted) }));
    const cases: [string, string | undefined, string][] = [
      ['127.0.0.1', undefined, '127.0.0.1'],
      ['127.0.0.1', '203.0.113.5', '203.0.113.5'],
      ['::ffff:127.0.0.1', '203.0.113.5', '203.0.113.5'],
      ['203.0.113.9', '198.51.100.1', '203.0.113.9'],
      ['127.0.0.1', '198.51.100.1, 10.1.2.3', '198.51.100.1'],
      ['127.0.0.1', '198.51.100.1, 203.0.113.5, 10.1.2.3', '203.0.113.5'],
      ['127.0.0.1', ' , 2001:db8::1 ,  ', '2001:db8::1'],
      ['fd00::7', '10.0.0.1, 10.0.0.2', '10.0.0.1'],
    ];
    for (const [peer, forwardedFor, want] of cases) {
      const res = await app.inject({ url: '/', remoteAddress: peer, headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor } });
      assert.deepEqual(res.json(), { fastify: want, ours: want }, `peer ${peer}, X-Forwarded-For ${String(forwardedFor)}`);
    }
    await app.close();
  });

  test('an entry that is not an address or a range stops the start', () => {
    for (const bad of ['localhost', '10.0.0.0/33', '::1/129', '10.0.0.1/8/8', '300.1.1.1']) {
      assert.throws(() => loadConfig({ env: { CAPSTAN_TRUST_PROXY: `127.0.0.1,${bad}` } }), (e: unknown) => e instanceof ConfigError && e.message.includes('CAPSTAN_TRUST_PROXY'), bad);
    }
    assert.deepEqual(loadConfig({ env: { CAPSTAN_TRUST_PROXY: '127.0.0.1, 10.0.0.0/8,::1,fd00::/8' } }).trustProxy, ['127.0.0.1', '10.0.0.0/8', '::1', 'fd00::/8']);
  });
});
