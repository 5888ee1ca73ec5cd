// The real `capstan serve` process: first start writes working dev credentials (and never overwrites
// them), SIGTERM lets an in-flight request finish and exits 0, and no credential reaches the logs.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFileSync, rmSync, statSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join, resolve } from 'node:path';
import { after, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { ServeProcess, type LogLine } from './helpers/serve-process.js';
import { tempDir } from './helpers/server.js';

const ADMIN = 'lifecycle-admin-token-5d1f0c9e7b';

async function admin(url: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${url}/admin/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

function decodeJwtPayload(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** Reads one HTTP/1.1 response (status line, headers, Content-Length body) from a raw socket. */
class RawResponses {
  private buffer = '';
  private waiters: (() => void)[] = [];
  private ended = false;

  constructor(socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      this.wake();
    });
    socket.on('close', () => {
      this.ended = true;
      this.wake();
    });
  }

  async next(): Promise<{ status: number; headers: Record<string, string>; body: string }> {
    for (;;) {
      const end = this.buffer.indexOf('\r\n\r\n');
      if (end >= 0) {
        const [statusLine = '', ...headerLines] = this.buffer.slice(0, end).split('\r\n');
        const headers = Object.fromEntries(headerLines.map((h) => [h.slice(0, h.indexOf(':')).toLowerCase(), h.slice(h.indexOf(':') + 1).trim()]));
        const length = Number(headers['content-length'] ?? 0);
        const bodyStart = end + 4;
        if (Buffer.byteLength(this.buffer.slice(bodyStart)) >= length) {
          const body = this.buffer.slice(bodyStart, bodyStart + length);
          this.buffer = this.buffer.slice(bodyStart + length);
          return { status: Number(statusLine.split(' ')[1]), headers, body };
        }
      }
      assert.ok(!this.ended, `the connection closed before a whole response arrived: ${JSON.stringify(this.buffer)}`);
      await new Promise<void>((wake) => this.waiters.push(wake));
    }
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}

/**
 * An admin POST the server has acknowledged (Expect: 100-continue) but whose body is not sent yet, so
 * that it is provably in flight when a signal arrives; `finish` sends the body and reads the answer.
 */
async function inFlightCreate(url: URL, name: string): Promise<{ socket: Socket; finish: () => Promise<{ status: number; headers: Record<string, string>; body: string }> }> {
  const socket = connect(Number(url.port), '127.0.0.1');
  await once(socket, 'connect');
  const responses = new RawResponses(socket);
  const body = JSON.stringify({ name });
  socket.write(
    `POST /admin/v1/orgs HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: Bearer ${ADMIN}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nExpect: 100-continue\r\n\r\n`,
  );
  assert.equal((await responses.next()).status, 100);
  return {
    socket,
    finish: () => {
      socket.write(body);
      return responses.next();
    },
  };
}

/** Whether a new TCP connection to the port is refused (the server stopped accepting). */
async function refused(port: number): Promise<boolean> {
  const socket = connect(port, '127.0.0.1');
  try {
    await once(socket, 'connect');
    return false;
  } catch {
    return true;
  } finally {
    socket.destroy();
  }
}

describe('capstan serve', () => {
  const dataDir = tempDir('capstan-serve-');
  const running: ServeProcess[] = [];
  after(async () => {
    for (const p of running) await p.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const credentialsPath = resolve(join(dataDir, 'dev-credentials.json'));
  let credentialsText = '';
  const secrets: string[] = [ADMIN];
  let first: ServeProcess;

  test('the first start on an empty data directory writes dev-credentials.json and says where', async () => {
    first = ServeProcess.start(dataDir, ADMIN);
    running.push(first);
    const url = await first.url();
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const announced = await first.line((l) => l.startsWith('Demo credentials written to '));
    assert.equal(announced, `Demo credentials written to ${credentialsPath}`);
    assert.equal((await first.log('first start: demo credentials written')).path, credentialsPath);
    assert.equal(statSync(credentialsPath).mode & 0o777, 0o600, 'only the owner can read the credentials');

    credentialsText = readFileSync(credentialsPath, 'utf8');
    const creds = JSON.parse(credentialsText) as {
      organization_id: string;
      api_key: string;
      app: { id: string; secret_key: string; public_key: string };
      hub_id: string;
      contact_id: string;
      contact_token: string;
      contact_token_expires_at: string;
    };
    assert.match(creds.api_key, /^capout_test_[A-Za-z0-9]{40}$/);
    assert.match(creds.app.secret_key, /^csk_/);
    assert.match(creds.app.public_key, /^cpk_/);
    secrets.push(creds.api_key, creds.app.secret_key, creds.app.public_key, creds.contact_token);

    // The organization and its key exist: the admin API lists the key (by its display) as active.
    const org = await admin(url, 'GET', `/orgs/${creds.organization_id}`);
    assert.equal(org.status, 200);
    assert.ok(Number(org.body.credits_micro) > 0, 'the demo organization has credits to spend');
    const keys = org.body.keys as { id: string; display: string; revoked_at: string | null }[];
    assert.equal(keys.length, 1);
    assert.equal(keys[0]!.display, `${creds.api_key.slice(0, 16)}…`);
    assert.equal(keys[0]!.revoked_at, null);

    // The contact token names the contact and its hub, and that contact exists in that hub.
    const claims = decodeJwtPayload(creds.contact_token);
    assert.equal(claims.sub, creds.contact_id);
    assert.equal(claims.hub_id, creds.hub_id);
    assert.ok(Number(claims.exp) * 1000 > Date.now(), 'the token has not expired');
    assert.equal(Date.parse(creds.contact_token_expires_at), Number(claims.exp) * 1000);
    const minted = await admin(url, 'POST', `/hubs/${creds.hub_id}/contacts/${creds.contact_id}/tokens`, { ttl_seconds: 60 });
    assert.equal(minted.status, 201);
    secrets.push(String(minted.body.access_token));
  });

  test('requests carrying keys and tokens leave no trace of them in the logs', async () => {
    const url = await first.url();
    const [apiKey, secretKey, publicKey, contactToken] = secrets.slice(1) as [string, string, string, string];
    const created = await admin(url, 'POST', '/orgs', { name: 'Logged org' });
    assert.equal(created.status, 201);
    secrets.push(String(created.body.api_key));

    const requests: [string, Record<string, string>][] = [
      ['/version', { 'capout-api-key': apiKey, 'x-request-id': 'lifecycle-probe-1' }],
      ['/no/such/route', { 'capout-api-key': apiKey }],
      [`/no/such/route?token=${contactToken}&x=1`, {}],
      [`/no/such/route?x=1&access_token=${contactToken}`, {}],
      [`/no/such/route?api_key=${apiKey}`, {}],
      [`/no/such/route?key=${secretKey}`, {}],
      ['/no/such/route', { authorization: `Bearer ${contactToken}` }],
      ['/no/such/route', { authorization: `Bearer ${secretKey}`, origin: 'https://app.example.com' }],
      ['/no/such/route', { authorization: `Bearer ${publicKey}` }],
      ['/admin/v1/orgs', { authorization: `Bearer ${ADMIN}x` }],
    ];
    for (const [path, headers] of requests) await (await fetch(url + path, { headers })).arrayBuffer();

    // The request log line carries the request id (the last request above is logged before this one answers).
    const probe = await first.line((l) => l.includes('"reqId":"lifecycle-probe-1"'));
    assert.equal((JSON.parse(probe) as LogLine).msg, 'request');
    for (const masked of ['/no/such/route?token=***&x=1', '/no/such/route?x=1&access_token=***', '/no/such/route?api_key=***', '/no/such/route?key=***']) {
      await first.line((l) => l.includes(`"url":${JSON.stringify(masked)}`));
    }
  });

  test('SIGTERM lets an in-flight request finish, stops accepting, then exits 0', async () => {
    const url = new URL(await first.url());
    const port = Number(url.port);
    const { socket, finish } = await inFlightCreate(url, 'created during shutdown');
    // A second connection whose request is still arriving when the signal comes.
    const late = connect(port, '127.0.0.1');
    await once(late, 'connect');
    const lateResponses = new RawResponses(late);
    late.write(`GET /version HTTP/1.1\r\nHost: ${url.host}\r\n`);

    // Signalled twice at once, as a terminal's Ctrl-C or a supervisor reaches both npm and the server
    // and npm passes its own on: one stop, which still lets the request finish.
    first.child.kill('SIGTERM');
    first.child.kill('SIGINT');
    await first.log('shutting down');
    let attempts = 0;
    while (!(await refused(port))) {
      assert.ok(++attempts < 1000, 'the server kept accepting new connections after SIGTERM');
      await delay(10);
    }
    assert.equal(first.child.exitCode, null, 'the process waits for the in-flight request');

    // The body completes the in-flight request; its answer ends the connection, so that neither the
    // shutdown nor a client reusing it waits on a kept-alive idle connection.
    const ended = once(socket, 'end');
    const response = await finish();
    assert.equal(response.status, 201, response.body);
    assert.equal(response.headers.connection, 'close');
    assert.equal((JSON.parse(response.body) as { name: string }).name, 'created during shutdown');
    secrets.push((JSON.parse(response.body) as { api_key: string }).api_key);
    await ended;
    // The request that arrives while the server is closing is refused in the catalogue's shape,
    // conventions included, and its connection ends too.
    late.write('X-Request-ID: late-arrival\r\n\r\n');
    const refusal = await lateResponses.next();
    assert.equal(refusal.status, 503);
    assert.deepEqual(JSON.parse(refusal.body), { error: 'The server is draining; reconnect after a short delay', code: 'draining' });
    assert.equal(refusal.headers['x-request-id'], 'late-arrival');
    assert.equal(refusal.headers.connection, 'close');
    assert.ok(refusal.headers['x-api-version']);
    socket.end();
    late.end();

    assert.equal(await first.exited, 0);
    // One stop, whichever of the two signals the process took first; the other is logged as the same.
    assert.deepEqual(first.logs().filter((l) => l.msg === 'shutting down').map((l) => ['SIGTERM', 'SIGINT'].includes(String(l.signal))), [true]);
    assert.ok(first.logs().some((l) => typeof l.msg === 'string' && l.msg.startsWith('the same stop signalled again')));
    assert.ok(!first.logs().some((l) => l.msg === 'second signal: exiting now'));
  });

  test('the first process wrote only JSON log lines, none of them holding a key or a token', () => {
    const output = first.stdout + first.stderr;
    assert.ok(secrets.length >= 8);
    for (const secret of secrets) assert.ok(secret.length > 20 && !output.includes(secret), `a credential (${secret.slice(0, 12)}…) reached the logs`);
    for (const line of first.stdout.split('\n').filter(Boolean)) {
      if (line.startsWith('Demo credentials written to ')) continue;
      const record = JSON.parse(line) as LogLine;
      assert.equal(record.service, 'capstan');
      assert.equal(typeof record.level, 'number');
    }
  });

  test('a second start keeps the existing data and does not overwrite dev-credentials.json', async () => {
    const second = ServeProcess.start(dataDir, ADMIN);
    running.push(second);
    const url = await second.url();
    const orgs = await admin(url, 'GET', '/orgs?limit=100');
    assert.equal(orgs.status, 200);
    const names = (orgs.body.data as { name: string }[]).map((o) => o.name);
    assert.deepEqual(names, ['Demo organization', 'Logged org', 'created during shutdown']);
    assert.equal(readFileSync(credentialsPath, 'utf8'), credentialsText);

    assert.equal(await second.stop(), 0);
    assert.ok(!second.stdout.includes('Demo credentials written'), second.stdout);
    assert.ok(!second.logs().some((l) => l.msg === 'first start: demo credentials written'));
    assert.equal(readFileSync(credentialsPath, 'utf8'), credentialsText);
  });

  test('dev credentials are not written next to existing data even if the file was removed', async () => {
    rmSync(credentialsPath);
    const third = ServeProcess.start(dataDir, ADMIN);
    running.push(third);
    await third.url();
    assert.equal(await third.stop(), 0);
    assert.ok(!third.stdout.includes('Demo credentials written'));
    assert.throws(() => statSync(credentialsPath), /ENOENT/);
  });

  test('SIGHUP (a closed terminal, a supervisor\'s reload) stops as SIGTERM does: the request in flight finishes, exit 0', async () => {
    const hup = ServeProcess.start(dataDir, ADMIN);
    running.push(hup);
    const { socket, finish } = await inFlightCreate(new URL(await hup.url()), 'created during a hang-up');
    hup.child.kill('SIGHUP');
    assert.equal((await hup.log('shutting down')).signal, 'SIGHUP');
    assert.equal(hup.child.exitCode, null, 'the process waits for the in-flight request');
    const response = await finish();
    assert.equal(response.status, 201, response.body);
    socket.end();
    assert.equal(await hup.exited, 0);
  });
});
