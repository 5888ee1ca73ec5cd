// Peers that vanish without a FIN or an RST (a laptop lid, a network change): a hub SSE client and an
// organizer WebSocket client in a network namespace of their own lose their link, and the server
// closes both within the idle window and frees their slots, so the same contact and client_id
// connect again at once; so is a stream whose peer stopped reading and then vanished, its receive
// window shut (no retransmissions then, only zero-window probes). Needs root and iproute2 (`ip netns`), as CI has; it fails, never skips,
// without them.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { connect, createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { makeHub, type Member, type TestHub } from '../helpers/hub.js';
import { REPO_ROOT } from '../helpers/cli.js';
import { makeOrg, type TestOrg } from '../helpers/org.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { openSse } from '../helpers/sse.js';
import { until } from '../helpers/wait.js';
import { listen, refusal } from '../organizer/helpers.js';

const HEARTBEAT_MS = 1000;
const IDLE_MS = 5000;
/** Both ends are listed: 6,000 lines, some 220 reads of the table. */
const FILLER_CONNECTIONS = 3000;

function ip(...args: string[]): void {
  const res = spawnSync('ip', args, { encoding: 'utf8', timeout: 10_000 });
  if (res.status !== 0) throw new Error(`ip ${args.join(' ')} failed: ${res.error?.message ?? res.stderr}`);
}

function checkPrerequisites(): void {
  const why = process.getuid?.() !== 0 ? 'it must run as root' : spawnSync('ip', ['-V']).status !== 0 ? 'the `ip` command (Debian iproute2) is missing' : undefined;
  if (why) throw new Error(`the vanished-peer test creates a network namespace, and ${why}: run the suite as root, as CI does, after \`bash scripts/install-system-deps.sh\``);
}

describe('vanished peers (a network namespace of its own)', () => {
  // Unique names, so parallel runs never meet; a veth name has at most 15 characters.
  const tag = randomBytes(4).toString('hex');
  const ns = `capstan-lv-${tag}`;
  const hostIf = `clv${tag}h`;
  const nsIf = `clv${tag}n`;
  // A /30 in 198.18.0.0/15, the range set aside for network tests (RFC 2544).
  const net = `198.${18 + randomInt(2)}.${randomInt(256)}.${randomInt(64) * 4}`;
  const [a, b, c, d] = net.split('.').map(Number) as [number, number, number, number];
  const hostAddr = `${a}.${b}.${c}.${d + 1}`;
  const nsAddr = `${a}.${b}.${c}.${d + 2}`;
  let created = false;
  let ts: TestServer | undefined;
  let client: ChildProcess | undefined;
  let hub: TestHub;
  let member: Member;
  let org: TestOrg;
  const lines: Record<string, unknown>[] = [];

  before(() => {
    checkPrerequisites();
    ip('netns', 'add', ns);
    created = true;
    ip('link', 'add', hostIf, 'type', 'veth', 'peer', 'name', nsIf);
    ip('link', 'set', nsIf, 'netns', ns);
    ip('addr', 'add', `${hostAddr}/30`, 'dev', hostIf);
    ip('link', 'set', hostIf, 'up');
    ip('netns', 'exec', ns, 'ip', 'addr', 'add', `${nsAddr}/30`, 'dev', nsIf);
    ip('netns', 'exec', ns, 'ip', 'link', 'set', nsIf, 'up');
    ip('netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up');
  });

  // Idle loopback connections, as on a busy node: the kernel's table then takes many read slices
  // (liveness.ts reads a few dozen pages a slice), so the vanished peers' lines are found wherever
  // they fall in it.
  const filler = { server: createNetServer((socket) => socket.on('error', () => undefined)), sockets: [] as Socket[] };
  before(async () => {
    await new Promise<void>((resolve) => filler.server.listen(0, '127.0.0.1', resolve));
    const { port } = filler.server.address() as AddressInfo;
    for (let i = 0; i < FILLER_CONNECTIONS; i++) {
      filler.sockets.push(await new Promise<Socket>((resolve, reject) => {
        const socket = connect({ port, host: '127.0.0.1' }, () => resolve(socket)).once('error', reject);
      }));
    }
  });

  after(async () => {
    for (const socket of filler.sockets) socket.destroy();
    filler.server.close();
    client?.kill('SIGKILL');
    await ts?.close();
    if (!created) return;
    // The killed client's sockets linger in the namespace, unable to send their FIN, and keep it (and
    // the veth in it) alive: deleting one end of the pair removes both at once.
    spawnSync('ip', ['link', 'delete', hostIf]);
    ip('netns', 'delete', ns);
  });

  test('an SSE stream and a WebSocket whose peer vanished are closed within the idle window, and their slots are free again', { timeout: 90_000 }, async (t) => {
    // One slot per contact, so a stream left open would refuse the reconnect with 429.
    ts = await startServer({ host: hostAddr, realtimeHeartbeatMs: HEARTBEAT_MS, realtimeIdleTimeoutMs: IDLE_MS, realtimeMaxStreamsPerContact: 1 });
    const server = ts;
    hub = await makeHub(server);
    member = await hub.member();
    org = await makeOrg(server);
    const wsUrl = `${server.url.replace('http', 'ws')}/api/v1/ws/laptop?token=${org.apiKey}`;

    client = spawn('ip', ['netns', 'exec', ns, process.execPath, 'test/realtime/netns-client.mjs', hub.streamUrl(), member.token, wsUrl], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    client.stderr?.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    let pending = '';
    client.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      pending += chunk;
      const parts = pending.split('\n');
      pending = parts.pop() ?? '';
      for (const p of parts) if (p) lines.push(JSON.parse(p) as Record<string, unknown>);
    });
    const saw = (key: string, value: unknown) => lines.some((l) => l[key] === value);
    await until(() => saw('sse', 'heartbeat') && saw('ws', 'ping'), `the namespace client to be connected and hearing heartbeats (stderr: ${stderr}; lines: ${JSON.stringify(lines)})`, 15_000);
    assert.equal(server.server.ctx.realtime.size, 2);

    // Both slots are taken while the peer is there.
    const second = await openSse(hub.streamUrl(), { token: member.token });
    assert.equal(second.status, 429);
    assert.equal((await refusal(wsUrl)).status, 409);

    // The peer's link goes away: no FIN, no RST, its bytes just stop being acknowledged.
    const downAt = Date.now();
    ip('netns', 'exec', ns, 'ip', 'link', 'set', nsIf, 'down');
    const closedAt: Partial<Record<string, number>> = {};
    const gauge = server.server.ctx.metrics.openConnections;
    await until(() => {
      void gauge.get().then((m) => {
        for (const transport of ['sse', 'ws']) {
          if (closedAt[transport] === undefined && (m.values.find((v) => v.labels.transport === transport)?.value ?? 0) === 0) closedAt[transport] = Date.now() - downAt;
        }
      });
      return server.server.ctx.realtime.size === 0;
    }, 'the server to close both connections', IDLE_MS * 3);
    const tookMs = Date.now() - downAt;
    t.diagnostic(`closed after the link went down: SSE ${closedAt.sse ?? tookMs} ms, WebSocket ${closedAt.ws ?? tookMs} ms (idle window ${IDLE_MS} ms)`);
    assert.ok(tookMs <= IDLE_MS + 1500, `closed after ${tookMs} ms, past the ${IDLE_MS} ms idle window`);
    assert.ok(!saw('sse', 'closed') && !saw('ws', 'closed'), 'the client itself saw nothing: it could not');

    // The same contact and the same client_id connect again right away.
    const again = await openSse(hub.streamUrl(), { token: member.token });
    assert.equal(again.status, 200, again.body);
    again.close();
    const ws = await listen(server, org.apiKey, 'laptop');
    ws.close();
  });

  test('a peer that stopped reading, its receive window shut, then vanished, is closed and frees its slot', { timeout: 90_000 }, async () => {
    const server = ts;
    assert.ok(server, 'runs after the first test, on its server');
    client?.kill('SIGKILL');
    // The link comes back, and the namespace's receive buffers shrink so that a few events fill one.
    ip('netns', 'exec', ns, 'ip', 'link', 'set', nsIf, 'up');
    ip('netns', 'exec', ns, 'sysctl', '-q', '-w', 'net.ipv4.tcp_rmem=4096 16384 16384');
    await until(() => server.server.ctx.realtime.size === 0, 'the first test\'s connections to be gone', 15_000);
    const paused = spawn('ip', ['netns', 'exec', ns, process.execPath, 'test/realtime/netns-paused-client.mjs', hub.streamUrl(), member.token], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    client = paused;
    let out = '';
    paused.stdout?.setEncoding('utf8').on('data', (s: string) => (out += s));
    paused.stderr?.setEncoding('utf8').on('data', (s: string) => (out += s));
    await until(() => out.includes('"paused"'), `the client to open its stream and stop reading (${out})`, 15_000);
    // Events it will not read: the kernel's receive buffer in the namespace fills, its window shuts,
    // and the rest waits in the server's send queue behind zero-window probes. No more than that
    // queue takes, so Node's own buffer stays empty and heartbeats keep leaving it: only the kernel
    // knows that nothing arrives.
    for (let i = 0; i < 5; i++) await hub.publish({ type: 'test.ping', data: { pad: 'x'.repeat(8000), i } });
    // Everything sent so far acknowledged, the rest held back by the shut window: only probes leave.
    await until(() => /timer:\(persist/.test(spawnSync('ss', ['-tno', 'dst', nsAddr], { encoding: 'utf8' }).stdout), 'the server to probe a shut window', 15_000);
    ip('netns', 'exec', ns, 'ip', 'link', 'set', nsIf, 'down');
    // Without a look at the shut window the stream stayed for as long as the kernel probes it (many
    // minutes); a reader that is there but reads nothing is closed the same way, within the idle window.
    await until(() => server.server.ctx.realtime.size === 0, 'the server to close the stream whose peer vanished behind a shut window', IDLE_MS * 4);
    const again = await openSse(hub.streamUrl(), { token: member.token });
    assert.equal(again.status, 200, again.body);
    again.close();
  });
});
