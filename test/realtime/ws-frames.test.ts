// Bad WebSocket frames on the organizer socket and the documents socket: each closes that socket
// with the code RFC 6455 gives it (1009 too big, 1007 invalid UTF-8, 1002 protocol error) and
// nothing else — the process still answers /healthz, other clients keep receiving, and the bad
// socket's connection (and its slot) is gone.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { WebSocket } from 'ws';
import { makeOrg, type TestOrg } from '../helpers/org.js';
import { ServeProcess } from '../helpers/serve-process.js';
import { ADMIN_TOKEN, startServer, tempDir, type TestServer } from '../helpers/server.js';
import { until } from '../helpers/wait.js';
import { listen, uploadJson, type Listener, type Msg } from '../organizer/helpers.js';
import { frame, rawUpgrade, rawWs, textFrame, upgradeHeaders } from '../helpers/raw-ws.js';
import { LINGER_MS } from '../../src/http/connections.js';
import { VERSION } from '../../src/util/version.js';

const KIB = 1024;

interface Target {
  readonly name: string;
  url(): Promise<string>;
}

describe('bad WebSocket frames', () => {
  let ts: TestServer;
  let org: TestOrg;
  let witness: Listener;
  let docsWitness: WebSocket;
  const docsReplies: Msg[] = [];
  let clientId = 'frames-client';

  const docsUrl = async () => {
    const token = (await org.call('POST', '/ws/token')).body.token as string;
    return `${ts.url.replace('http', 'ws')}/ws/status?token=${encodeURIComponent(token)}`;
  };
  const targets: Target[] = [
    // The same client_id every time: a slot left behind by a closed socket would refuse it with 409.
    { name: 'organizer socket', url: async () => `${ts.url.replace('http', 'ws')}/api/v1/ws/${clientId}?token=${org.apiKey}` },
    { name: 'documents socket', url: docsUrl },
  ];

  before(async () => {
    ts = await startServer();
    org = await makeOrg(ts);
    witness = await listen(ts, org.apiKey, 'frames-witness');
    docsWitness = new WebSocket(await docsUrl());
    docsWitness.on('message', (data) => docsReplies.push(JSON.parse(String(data)) as Msg));
    await new Promise((resolve, reject) => {
      docsWitness.once('open', resolve);
      docsWitness.once('error', reject);
    });
  });
  after(async () => {
    witness.close();
    docsWitness.close();
    await ts.close();
  });

  /** The node still serves: /healthz answers, and both witnesses get what they are owed. */
  async function stillServing(): Promise<void> {
    const health = await fetch(`${ts.url}/healthz`);
    assert.equal(health.status, 200);
    const [fileId] = await uploadJson(org, [{ name: 'after.txt', body: 'still here' }]);
    await until(() => witness.received.some((m) => m.type === 'file_uploaded' && m.fileId === fileId), 'the organizer witness to receive file_uploaded', 10_000);
    const before = docsReplies.length;
    docsWitness.send(JSON.stringify({ action: 'subscribe', document_ids: ['nope'] }));
    await until(() => docsReplies.slice(before).some((m) => m.type === 'subscribed'), 'the documents witness to be answered', 10_000);
    // Only the two witnesses are left: the bad socket's connection is gone with its slot.
    await until(() => ts.server.ctx.realtime.size === 2, 'the bad connection to be released', 10_000);
  }

  const cases: { name: string; bytes: () => Buffer; code: number }[] = [
    { name: 'a 64 KiB + 1 text frame', bytes: () => textFrame(Buffer.alloc(64 * KIB + 1, 0x61)), code: 1009 },
    { name: 'a 10 MB binary frame', bytes: () => frame(0x2, Buffer.alloc(10 * KIB * KIB, 0x62)), code: 1009 },
    { name: 'invalid UTF-8 in a text frame', bytes: () => textFrame(Buffer.from([0x7b, 0xc3, 0x28, 0x7d])), code: 1007 },
    { name: 'a reserved opcode (0x3)', bytes: () => frame(0x3, Buffer.from('x')), code: 1002 },
    { name: 'a reserved control opcode (0xB)', bytes: () => frame(0xb, Buffer.alloc(0)), code: 1002 },
    { name: 'an unmasked client frame', bytes: () => textFrame('{"type":"ping"}', { mask: false }), code: 1002 },
    { name: 'a reserved bit set (RSV1, no extension agreed)', bytes: () => textFrame('{}', { rsv: 4 }), code: 1002 },
    { name: 'a fragmented control frame', bytes: () => frame(0x9, Buffer.alloc(0), { fin: false }), code: 1002 },
  ];

  for (const target of targets) {
    for (const c of cases) {
      test(`${target.name}: ${c.name} → ${c.code}, and only that socket ends`, async () => {
        const ws = await rawWs(await target.url());
        ws.send(c.bytes());
        const { code } = await ws.closed;
        assert.equal(code, c.code);
        await stillServing();
      });
    }
  }

  test('the organizer client_id of a socket closed on a bad frame connects again at once', async () => {
    clientId = 'frames-reconnect';
    const url = await targets[0]!.url();
    const first = await rawWs(url);
    first.send(textFrame(Buffer.alloc(64 * KIB + 1)));
    assert.equal((await first.closed).code, 1009);
    await until(() => ts.server.ctx.realtime.size === 2, 'the closed socket to be released', 10_000);
    const again = await rawWs(url);
    again.send(frame(0x8, Buffer.from([0x03, 0xe8])));
    assert.equal((await again.closed).code, 1000);
  });

  test('a client that stops reading after its bad frame is dropped a second after the close, and its client_id is free', async () => {
    for (const [i, bytes] of [textFrame(Buffer.from([0x7b, 0xc3, 0x28, 0x7d])), frame(0x3, Buffer.from('x')), textFrame(Buffer.alloc(64 * KIB + 1))].entries()) {
      clientId = `frames-deaf-${i}`;
      const deaf = await rawWs(await targets[0]!.url());
      // It reads nothing more: neither the close frame nor the end that follows it.
      deaf.socket.pause();
      deaf.socket.removeAllListeners('data');
      deaf.send(bytes);
      // `ws` alone would wait 30 s for the client's half of the close.
      await until(() => ts.server.ctx.realtime.size === 2, 'the deaf socket to be released', 10_000);
      const again = await rawWs(await targets[0]!.url());
      again.send(frame(0x8, Buffer.from([0x03, 0xe8])));
      assert.equal((await again.closed).code, 1000, 'the same client_id is taken again');
      deaf.socket.destroy();
    }
  });
});

describe('a bad frame against `capstan serve`', () => {
  test('an oversized frame on the organizer socket closes it with 1009 and the process keeps serving', async (t) => {
    const dataDir = tempDir();
    const serve = ServeProcess.start(dataDir, ADMIN_TOKEN, { CAPSTAN_DEV_CREDENTIALS: 'false' });
    t.after(async () => {
      await serve.stop();
      rmSync(dataDir, { recursive: true, force: true });
    });
    const url = await serve.url();
    const created = await fetch(`${url}/admin/v1/orgs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'frames' }),
    });
    const key = ((await created.json()) as Msg).api_key as string;
    const ws = await rawWs(`${url.replace('http', 'ws')}/api/v1/ws/oversized?token=${key}`);
    ws.send(textFrame(Buffer.alloc(64 * KIB + 1, 0x61)));
    assert.equal((await ws.closed).code, 1009);
    const health = await fetch(`${url}/healthz`).catch(() => undefined);
    assert.equal(health?.status, 200, `the process stopped answering (exit code ${serve.child.exitCode}); stderr:\n${serve.stderr}`);
    const again = await rawWs(`${url.replace('http', 'ws')}/api/v1/ws/again?token=${key}`);
    again.send(frame(0x8, Buffer.from([0x03, 0xe8])));
    assert.equal((await again.closed).code, 1000);
    assert.equal(serve.child.exitCode, null, `the process exited; stderr:\n${serve.stderr}`);
  });
});

describe('an upgrade that `ws` refuses after the credentials passed', () => {
  test('a bad Sec-WebSocket-Version gets 400 and leaves no organizer slot behind', async (t) => {
    const ts = await startServer();
    t.after(() => ts.close());
    const org = await makeOrg(ts);
    const url = new URL(`${ts.url}/api/v1/ws/refused?token=${org.apiKey}`);
    // `ws` checks the handshake headers only when the handler accepts, after the slot was taken.
    const socket = net.connect(Number(url.port), url.hostname);
    socket.setEncoding('utf8');
    let answer = '';
    socket.on('data', (chunk: string) => (answer += chunk));
    await new Promise<void>((r) => socket.once('connect', () => r()));
    socket.write(`GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${Buffer.alloc(16, 7).toString('base64')}\r\nSec-WebSocket-Version: 99\r\n\r\n`);
    await new Promise((r) => socket.once('close', r));
    assert.match(answer, /^HTTP\/1\.1 400/);
    const again = await listen(ts, org.apiKey, 'refused');
    again.close();
  });

  test('a malformed handshake is answered in the catalogue shape, with X-API-Version and X-Request-ID', async (t) => {
    const ts = await startServer();
    t.after(() => ts.close());
    const org = await makeOrg(ts);
    const url = `${ts.url.replace('http', 'ws')}/api/v1/ws/malformed?token=${org.apiKey}`;
    // `ws` refused these itself, in plain text and without the shared headers.
    const cases: { method?: string; headers: [string, string][]; status: number; code: string }[] = [
      { method: 'POST', headers: upgradeHeaders(new URL(url)), status: 405, code: 'method_not_allowed' },
      { headers: [...upgradeHeaders(new URL(url)).filter(([k]) => k !== 'Sec-WebSocket-Version'), ['Sec-WebSocket-Version', '99']], status: 400, code: 'invalid_request' },
      { headers: [...upgradeHeaders(new URL(url)).filter(([k]) => k !== 'Sec-WebSocket-Key'), ['Sec-WebSocket-Key', 'short']], status: 400, code: 'invalid_request' },
    ];
    // Refused before `ws` sees them: a wrong key, a path with no socket.
    const refusedEarly: { url: string; status: number; code: string }[] = [
      { url: url.replace(org.apiKey, 'capout_test_nope'), status: 401, code: 'unauthorized' },
      { url: url.replace('/api/v1/ws/malformed', '/api/v1/nothing-here'), status: 404, code: 'route_not_found' },
    ];
    for (const c of refusedEarly) cases.push({ headers: upgradeHeaders(new URL(c.url)), status: c.status, code: c.code });
    for (const [i, c] of cases.entries()) {
      const target = i >= 3 ? refusedEarly[i - 3]!.url : url;
      // The client's own id is echoed on every other case; the rest get one made for them.
      const answer = await rawUpgrade(target, { ...c, headers: i % 2 === 0 ? [...c.headers, ['X-Request-ID', `handshake-${i}`]] : c.headers });
      assert.ok('refused' in answer, 'the handshake is refused');
      assert.equal(answer.refused.status, c.status);
      assert.equal(answer.refused.headers['x-api-version'], VERSION);
      if (i % 2 === 0) assert.equal(answer.refused.headers['x-request-id'], `handshake-${i}`);
      else assert.match(answer.refused.headers['x-request-id'] ?? '', /^[0-9a-f-]{36}$/);
      const body = JSON.parse(answer.refused.body) as Record<string, unknown>;
      assert.deepEqual(Object.keys(body).sort(), ['code', 'error']);
      assert.equal(body.code, c.code);
    }
    // Another method is refused with Allow before the credentials are read (no slot taken for it).
    const post = await rawUpgrade(url.replace(org.apiKey, 'capout_test_nope'), { method: 'POST', headers: upgradeHeaders(new URL(url)) });
    assert.ok('refused' in post);
    assert.equal(post.refused.status, 405);
    assert.equal(post.refused.headers.allow, 'GET');
    // A handshake to a path with no socket is the plain request it also is, answered by its route.
    const version = await rawUpgrade(url.replace(/\/api\/v1\/ws\/malformed.*/, '/version'));
    assert.ok('refused' in version);
    assert.equal(version.refused.status, 200);
    assert.equal((JSON.parse(version.refused.body) as { version: string }).version, VERSION);
    const again = await listen(ts, org.apiKey, 'malformed');
    again.close();
    // An accepted handshake names its request too.
    const accepted = new WebSocket(url.replace('/ws/malformed', '/ws/accepted'), { headers: { 'X-Request-ID': 'handshake-ok' } });
    const response = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => accepted.once('upgrade', resolve).once('error', reject));
    assert.equal(response.headers['x-request-id'], 'handshake-ok');
    assert.equal(response.headers['x-api-version'], VERSION);
    accepted.close();
  });

  test('a subprotocol the client offers is not claimed: the 101 names none, and the client that needs one gives up', async (t) => {
    const ts = await startServer();
    t.after(() => ts.close());
    const org = await makeOrg(ts);
    const url = `${ts.url.replace('http', 'ws')}/api/v1/ws/subprotocol?token=${org.apiKey}`;
    const offering = new WebSocket(url, ['chat', 'superchat']);
    const [answer, outcome] = await Promise.all([
      new Promise<import('node:http').IncomingMessage>((resolve) => offering.once('upgrade', resolve)),
      new Promise<string>((resolve) => offering.once('error', (e) => resolve(e.message)).once('open', () => resolve(`opened with ${offering.protocol}`))),
    ]);
    offering.close();
    assert.equal(answer.statusCode, 101);
    assert.equal(answer.headers['sec-websocket-protocol'], undefined);
    assert.match(outcome, /no subprotocol/);
    // A client offering none is served as always, on the client_id the refused one let go.
    let opened = false;
    for (let attempt = 0; attempt < 50 && !opened; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, 100));
      const socket = new WebSocket(url);
      opened = await new Promise<boolean>((resolve) => socket.once('open', () => resolve(true)).once('error', () => resolve(false)));
      socket.close();
    }
    assert.ok(opened, 'the client_id is free again');
  });

  test('a refused upgrade whose client sent more than its headers is closed, not kept open', async (t) => {
    const ts = await startServer();
    t.after(() => ts.close());
    const { port, hostname } = new URL(ts.url);
    // Bytes after the headers (a body, early frames) stayed unread on the paused upgrade socket, which
    // then never saw the client close: it stayed open until the process ended, and held up its close.
    const socket = net.connect(Number(port), hostname);
    socket.on('error', () => undefined);
    let answer = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (answer += chunk));
    await new Promise<void>((r) => socket.once('connect', () => r()));
    socket.write(`GET /no/such/socket HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${Buffer.alloc(16, 7).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    socket.write(Buffer.alloc(256 * KIB, 0x61));
    await until(() => answer.includes('route_not_found'), 'the refusal', 5000);
    assert.match(answer, /^HTTP\/1\.1 404/);
    socket.destroy();
    const open = () => new Promise<number>((r) => ts.server.app.server.getConnections((_e, n) => r(n)));
    const deadline = Date.now() + LINGER_MS + 2000;
    while ((await open()) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.equal(await open(), 0, 'the refused socket is closed');
  });
});
