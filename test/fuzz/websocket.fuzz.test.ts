// Property-based fuzzing of every WebSocket endpoint (the documents socket /ws/status and the organizer
// socket /api/v1/ws/:client_id): a raw client opens the socket (through a standard or mutated
// handshake) and sends a random script of frames. A refused handshake is a catalogue answer with
// X-API-Version; an accepted socket ends exactly as documented (the first bad frame's close code,
// 1008 past the message rate, the echo of a client's close) or stays open and answers every message;
// meanwhile the healthy clients keep receiving and /healthz answers at every checkpoint.
// Seeded and bounded: see settings.ts for CAPSTAN_FUZZ_SEED and CAPSTAN_FUZZ_RUNS.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { frame, rawUpgrade, upgradeHeaders, type RawWs } from '../helpers/raw-ws.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { until } from '../helpers/wait.js';
import { checkAnswer } from './answers.js';
import { checkProperty, runs, seed } from './settings.js';
import { makeTenant, type Tenant } from './tenants.js';
import { openWitnesses, type Witnesses } from './witnesses.js';
import { expectedOutcome, scripts, type Handshake, type Script, type Surface } from './ws-actions.js';

const WITNESS_CONNECTIONS = 3;
const REPLY_TYPES: Readonly<Record<Surface, ReadonlySet<string>>> = {
  documents: new Set(['subscribed', 'unsubscribed', 'error']),
  organizer: new Set(['pong', 'error']),
};

describe(`WebSocket fuzzing (seed ${seed})`, () => {
  let ts: TestServer;
  let own: Tenant;
  let other: Tenant;
  let witnesses: Witnesses;
  let socketCount = 0;

  before(async () => {
    ts = await startServer({ trustProxy: ['127.0.0.1'] });
    own = await makeTenant(ts, 'fuzzed');
    other = await makeTenant(ts, 'other');
    witnesses = await openWitnesses(ts);
  });
  after(async () => {
    witnesses?.close();
    await ts?.close();
  });

  function target(surface: Surface, handshake: Handshake): URL {
    const base = ts.url.replace('http', 'ws');
    const key = handshake === 'other-tenant' ? other : own;
    const token = surface === 'documents' ? key.realtimeToken : key.apiKey;
    const query = handshake === 'no-token' ? '' : `?token=${encodeURIComponent(handshake === 'bad-token' ? `${token}x` : token)}`;
    socketCount += 1;
    const clientId = handshake === 'bad-client-id' ? 'bad%20id' : `fuzz-${socketCount}`;
    return new URL(surface === 'documents' ? `${base}/ws/status${query}${query ? '&' : '?'}recent=5` : `${base}/api/v1/ws/${clientId}${query}`);
  }

  function handshakeOf(url: URL, handshake: Handshake): { method?: string; headers: [string, string][] } {
    const headers = upgradeHeaders(url).filter(([k]) => !(handshake === 'no-key' && k === 'Sec-WebSocket-Key') && !(handshake === 'no-upgrade' && k === 'Upgrade'));
    if (handshake === 'version-8') headers.push(['Sec-WebSocket-Version', '8']);
    if (handshake === 'bad-key') headers.push(['Sec-WebSocket-Key', 'not base64!']);
    if (handshake === 'deflate-offered') headers.push(['Sec-WebSocket-Extensions', 'permessage-deflate; client_max_window_bits']);
    // A second Sec-WebSocket-Version or -Key is joined by Node into one invalid value, as a broken client sends it.
    return { method: handshake === 'post' ? 'POST' : undefined, headers };
  }

  /** Text frames the server sent, parsed (each must be JSON). */
  function messagesOf(ws: RawWs): Record<string, unknown>[] {
    return ws.frames.filter((f) => f.opcode === 0x1).map((f) => {
      const text = f.payload.toString('utf8');
      try {
        return JSON.parse(text) as Record<string, unknown>;
      } catch {
        assert.fail(`a server message is not JSON: ${JSON.stringify(text.slice(0, 200))}`);
      }
    });
  }

  const repliesOf = (surface: Surface, ws: RawWs) => messagesOf(ws).filter((m) => typeof m.type === 'string' && REPLY_TYPES[surface].has(m.type)).length;

  /** The code of the server's close frame (undefined: one without a code), as a client sees it before echoing it. */
  async function closedWith(ws: RawWs, what: string): Promise<number | undefined> {
    let ended = false;
    void ws.closed.then(() => (ended = true));
    const closeFrame = () => ws.frames.find((f) => f.opcode === 0x8);
    await until(() => closeFrame() !== undefined || ended, `the server to close the socket after ${what}`, 5000);
    const f = closeFrame();
    assert.ok(f, `the server ended the connection after ${what} without a close frame`);
    return f.payload.length >= 2 ? f.payload.readUInt16BE(0) : undefined;
  }

  async function run(script: Script): Promise<void> {
    const url = target(script.surface, script.handshake);
    const upgrade = await rawUpgrade(url.href, handshakeOf(url, script.handshake));
    if ('refused' in upgrade) {
      assert.notEqual(script.handshake, 'standard', `a standard handshake was refused: ${upgrade.refused.status} ${upgrade.refused.body}`);
      checkAnswer({ status: upgrade.refused.status, headers: upgrade.refused.headers, body: upgrade.refused.body }, { upgrade: true });
      return;
    }
    const ws = upgrade.ws;
    try {
      for (const frameServerSent of ws.frames) assert.ok([0x1, 0x8, 0x9, 0xa].includes(frameServerSent.opcode), `server opcode ${frameServerSent.opcode}`);
      ws.send(Buffer.concat(script.actions.map((a) => a.bytes)));
      const expected = expectedOutcome(script.actions);
      if (expected.closes !== undefined) {
        const code = await closedWith(ws, script.actions.map((a) => a.name).join(', '));
        const wanted = [expected.closes, ...('alsoCloses' in expected ? [expected.alsoCloses] : [])].map((c) => (c === null ? undefined : c));
        assert.ok(wanted.includes(code), `close code after ${script.actions.map((a) => a.name).join(', ')}: ${String(code)}, not ${wanted.map(String).join(' or ')}`);
        messagesOf(ws);
        return;
      }
      // Still open: every message is answered (in order, one reply each), then a probe is too.
      const probe = script.surface === 'documents' ? '{"action":"subscribe","document_ids":[]}' : '{"type":"ping"}';
      ws.send(frame(0x1, Buffer.from(probe)));
      await until(() => repliesOf(script.surface, ws) >= expected.replies + 1 || ws.socket.destroyed, `${expected.replies + 1} replies`, 5000);
      assert.equal(repliesOf(script.surface, ws), expected.replies + 1, `one reply per message after ${script.actions.map((a) => a.name).join(', ')}`);
      ws.send(frame(0x8, Buffer.from([0x03, 0xe8])));
      assert.equal(await closedWith(ws, 'a close 1000'), 1000);
    } finally {
      ws.socket.destroy();
    }
  }

  test('each socket ends only as documented, and healthy clients keep receiving', async (t) => {
    const total = runs(400);
    const checkpointEvery = Math.max(1, Math.ceil(total / 3));
    let done = 0;
    const started = Date.now();
    await checkProperty('websocket', scripts, total, async (script) => {
      await run(script);
      done += 1;
      if (done % checkpointEvery === 0) await witnesses.checkpoint(`ws-during-${done}`);
    });
    await witnesses.checkpoint('ws-after');
    // Every fuzzed socket is gone with its slot: only the witnesses remain.
    await until(() => ts.server.ctx.realtime.size === WITNESS_CONNECTIONS, 'the fuzzed sockets to be released', 10_000);
    t.diagnostic(`${total} scripts on ${socketCount} sockets in ${Date.now() - started} ms`);
  });
});
