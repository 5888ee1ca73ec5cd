// The upload body reader that decodes a file's base64 as the body arrives (src/http/inline-file-body.ts):
// whatever the body and however it is cut into chunks, it must give what parsing the whole body
// would (the same fields, the same file, the same refusal), and it must follow the plain forms
// clients send (wrapped or not) rather than fall back to the whole parse.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { createConnection, type AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { errorHandler } from '../../src/http/error-handler.js';
import { decodeBase64, InlineFileReader, inlineFileOf, useInlineFileJson } from '../../src/http/inline-file-body.js';
import { useDepthLimitedJson } from '../../src/http/json-body.js';

/** A pseudo-random generator with a seed, so that a failing case can be run again. */
function rng(seed: number) {
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
  return { next, int: (n: number) => Math.floor(next() * n), pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]! };
}

/** Base64 written as clients write it: plain, wrapped with CRLF or LF (escaped in JSON), spaced, with \/ for /. */
function wrapped(b64: string, style: number): string {
  const lines = (() => {
    switch (style >> 1) {
      case 1: return b64.replace(/(.{76})/g, '$1\\r\\n');
      case 2: return b64.replace(/(.{64})/g, '$1\\n');
      case 3: return b64.replace(/(.{8})/g, '$1 ');
      case 4: return b64.replace(/(.{60})/g, '$1\\t\\r\\n ');
      default: return b64;
    }
  })();
  return style % 2 === 1 ? lines.replaceAll('/', '\\/') : lines;
}

/** Bodies of every kind: the plain forms, and the ones the reader leaves to the whole parse. */
function corpus(seed: number, count: number): string[] {
  const r = rng(seed);
  const bodies: string[] = [];
  const b64 = () => randomBytesFrom(r, r.int(200)).toString('base64');
  const otherValue = () => r.pick([
    '"a name.pdf"', '"with \\"quotes\\" and {braces} [ ] , :"', '"\\u00e9t\\u00e9 \\\\ \\/"', '123', '-1.5e3', 'true', 'null',
    '{"nested": {"file": "AAAA", "x": [1, "}", {"y": "]"}]}}', '[1, 2, "three", {"file": "BBBB"}]', '"é ✓ 😀"',
  ]);
  for (let n = 0; n < count; n++) {
    const ws = () => r.pick(['', '', ' ', '\n', '\r\n  ', '\t']);
    const members: string[] = [];
    const plain = r.next() < 0.6;
    const file = plain ? wrapped(b64(), r.int(10)) : r.pick([
      `${b64()}!`, `${b64()}=A`, 'A===', 'AAA', 'AA==AA==', `\\u0041${b64()}`, `${b64()}\n`, `${b64()}\\b`, '', ' ', '\\r\\n',
      `${b64()}\\"`, 'AAAA\\u0000', '====', 'AB=C', 'AAAA\u00a0', 'QUJD', wrapped(b64(), 9),
    ]);
    members.push(`${ws()}"file"${ws()}:${ws()}"${file}"${ws()}`);
    for (let k = r.int(3); k > 0; k--) members.splice(r.int(members.length + 1), 0, `${ws()}"${r.pick(['name', 'url', 'x', 'fi\\u006ce', 'é', 'fil', 'files', 'xfile', 'File'])}"${ws()}:${ws()}${otherValue()}${ws()}`);
    if (!plain && r.next() < 0.3) members.push(`"file": ${r.pick(['1', 'null', '{"a": "b"}', '"QUJD"', '["AAAA"]'])}`);
    let body = `${ws()}{${members.join(',')}}${ws()}`;
    if (!plain && r.next() < 0.4) {
      body = r.pick([
        body.slice(0, Math.max(1, r.int(body.length))), `${body},`, `${body}x`, body.replace('{', '['), body.replace(/}\s*$/, ',}'), `[${body}]`, '{}', '', '   ',
        '"file"', '{"file":"AAAA",}', '{,"file":"AAAA"}', '{"file" "AAAA"}', '{"file":"AAAA" "x":1}', '\ufeff{"file":"AAAA"}', '{"__proto__": {"x": 1}, "file": "AAAA"}',
      ]);
    }
    bodies.push(body);
  }
  return bodies;
}

function randomBytesFrom(r: ReturnType<typeof rng>, n: number): Buffer {
  const bytes = Buffer.alloc(n);
  for (let i = 0; i < n; i++) bytes[i] = r.int(256);
  return bytes;
}

/** What the reader gives for `body` cut at `cuts`. */
function read(body: Buffer, cuts: readonly number[]) {
  const reader = new InlineFileReader(Buffer.from('file'));
  let at = 0;
  for (const cut of [...cuts, body.length]) {
    reader.push(body.subarray(at, cut));
    at = cut;
  }
  return reader.end();
}

/** What the reader's result means, as the whole parse would see the body: the fields, and the file. */
function meaning(json: Buffer, file: Buffer | undefined): { fields: unknown; file: string | undefined; refused: boolean } {
  let fields: unknown;
  try {
    fields = JSON.parse(json.toString('utf8'));
  } catch {
    return { fields: undefined, file: undefined, refused: true };
  }
  const text = typeof fields === 'object' && fields !== null && !Array.isArray(fields) ? (fields as Record<string, unknown>).file : undefined;
  if (typeof text !== 'string') return { fields, file: undefined, refused: false };
  // Decoded as it came: the field holds "" (the last of its name wins, as in any JSON parse).
  if (file !== undefined) return { fields, file: file.toString('hex'), refused: false };
  try {
    const bytes = decodeBase64(text, 'file');
    (fields as Record<string, unknown>).file = '';
    return { fields, file: bytes.toString('hex'), refused: false };
  } catch {
    return { fields: undefined, file: undefined, refused: true };
  }
}

describe('the inline file reader', () => {
  test('gives what the whole parse gives, for every body of the corpus cut at every byte', () => {
    let streamed = 0;
    const bodies = corpus(17, 400);
    for (const text of bodies) {
      const body = Buffer.from(text);
      const whole = meaning(body, undefined);
      const uncut = read(body, []);
      if (uncut.file !== undefined) streamed++;
      for (let cut = 0; cut <= body.length; cut++) {
        const got = read(body, [cut]);
        assert.deepEqual(meaning(got.json, got.file), whole, `${JSON.stringify(text)} cut at ${cut}`);
        assert.equal(got.file !== undefined, uncut.file !== undefined, `${JSON.stringify(text)} cut at ${cut}: followed as uncut`);
        assert.equal(got.received, body.length);
      }
    }
    assert.ok(streamed > bodies.length / 3, `most plain bodies are followed (${streamed} of ${bodies.length})`);
  });

  test('follows the forms clients send: plain, wrapped with escaped CRLF or LF, spaced, with \\/, padded', () => {
    for (const size of [0, 1, 2, 3, 4, 57, 100, 1000, 70_000, 200_001]) {
      const bytes = randomBytes(size);
      for (let style = 0; style < 10; style++) {
        const text = `{"name": "a.pdf", "file": "${wrapped(bytes.toString('base64'), style)}", "x": {"file": "nested"}}`;
        const body = Buffer.from(text);
        for (const cuts of [[], [1], [body.length >> 1], [7, 8, 9, 10, 11, 12, 13, 14]]) {
          const got = read(body, cuts);
          assert.ok(got.file !== undefined, `size ${size}, style ${style}: followed`);
          assert.deepEqual(got.file, bytes, `size ${size}, style ${style}`);
          assert.deepEqual(JSON.parse(got.json.toString()), { name: 'a.pdf', file: '', x: { file: 'nested' } });
        }
      }
    }
  });

  test('a long key costs nothing per byte: 20 MB of it leave the heap as it was', () => {
    const key = Buffer.alloc(20 << 20, 0x6b);
    const reader = new InlineFileReader(Buffer.from('file'));
    const before = process.memoryUsage().heapUsed;
    reader.push(Buffer.from('{"'));
    for (let at = 0; at < key.length; at += 65_536) reader.push(key.subarray(at, at + 65_536));
    reader.push(Buffer.from('": 1, "file": "QUJD"}'));
    const grown = process.memoryUsage().heapUsed - before;
    // Kept byte by byte, the key took some 30 bytes of heap for each of its own.
    assert.ok(grown < 64 << 20, `the heap grew ${grown} bytes for a ${key.length}-byte key`);
    assert.deepEqual(reader.end().file, Buffer.from('ABC'));
  });

  test('a body cut into many small chunks keeps its file whole (stage boundaries included)', () => {
    const bytes = randomBytes(300_000);
    const body = Buffer.from(`{"file":"${wrapped(bytes.toString('base64'), 3)}"}`);
    const r = rng(5);
    const cuts: number[] = [];
    for (let at = r.int(100); at < body.length; at += 1 + r.int(5000)) cuts.push(at);
    const got = read(body, cuts);
    assert.deepEqual(got.file, bytes);
  });
});

describe('an upload route with an inline file', () => {
  let app: FastifyInstance;
  let url: string;

  before(async () => {
    app = Fastify();
    app.setErrorHandler(errorHandler);
    useDepthLimitedJson(app);
    const echo = (body: unknown) => {
      const file = inlineFileOf(body);
      return { body, file: file?.bytes.toString('base64') ?? null, streamed: file?.streamed ?? null };
    };
    await app.register(async (scope) => {
      useInlineFileJson(scope, 'file');
      scope.post('/inline', { bodyLimit: 4096 }, async (req) => echo(req.body));
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });
  after(() => app.close());

  /** Sends `chunks` as written, with a turn of the event loop between them. */
  const post = (chunks: readonly (string | Buffer)[], headers: Record<string, string> = {}) =>
    new Promise<{ status: number; body: Record<string, unknown> }>((resolve, reject) => {
      const req = request(`${url}/inline`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> }));
      });
      req.on('error', reject);
      void (async () => {
        for (const chunk of chunks) {
          req.write(chunk);
          await new Promise((r) => setImmediate(r));
        }
        req.end();
      })();
    });

  test('decodes the file as it arrives and gives the route the other fields, the file field empty', async () => {
    const bytes = randomBytes(1500);
    const text = `{"name": "a.pdf", "file": "${wrapped(bytes.toString('base64'), 3)}"}`;
    const res = await post([text.slice(0, 10), text.slice(10, 700), text.slice(700)]);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body, { body: { name: 'a.pdf', file: '' }, file: bytes.toString('base64'), streamed: true });
  });

  test('a body the reader does not follow is parsed whole, with the same answer', async () => {
    const res = await post(['{"file": "\\u0041AAA", "name": "x"}']);
    assert.deepEqual(res.body, { body: { file: '', name: 'x' }, file: 'AAAA', streamed: false });
  });

  test('bad bodies get the refusals of every JSON route', async () => {
    const cases: [string | Buffer, Record<string, string>, number, string][] = [
      ['{"file": "AAA"}', {}, 400, 'invalid_request'],
      ['{"file": "AA!A"}', {}, 400, 'invalid_request'],
      ['{"file": "AAAA"', {}, 400, 'malformed_json'],
      ['{"file": "AAAA"}x', {}, 400, 'malformed_json'],
      ['{"__proto__": {"a": 1}, "file": "AAAA"}', {}, 400, 'malformed_json'],
      [Buffer.from([0x7b, 0x22, 0x6e, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]), {}, 400, 'malformed_json'],
      ['{"file": "AAAA", "name": "\\ud800"}', {}, 400, 'malformed_json'],
      ['{"file": "AAAA", "name": "\\u0000"}', {}, 400, 'invalid_request'],
      [`{"file": "${'A'.repeat(5000)}"}`, {}, 413, 'payload_too_large'],
      ['{"file": "AAAA"}', { 'content-encoding': 'gzip' }, 415, 'unsupported_media_type'],
      [`{"a": ${'['.repeat(40)}${']'.repeat(40)}, "file": "AAAA"}`, {}, 400, 'invalid_request'],
    ];
    for (const [body, headers, status, code] of cases) {
      const res = await post([body], headers);
      assert.equal(res.status, status, `${String(body).slice(0, 60)}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.code, code, String(body).slice(0, 60));
      assert.deepEqual(Object.keys(res.body).sort(), status === 413 ? ['code', 'error', 'limit_bytes'] : ['code', 'error']);
    }
  });

  test('a Content-Length above the limit is refused before the body is read; one that does not match the body is 400', async () => {
    const raw = (head: string, body: string) =>
      new Promise<string>((resolve) => {
        const socket = createConnection((app.server.address() as AddressInfo).port, '127.0.0.1');
        let text = '';
        socket.on('data', (c) => (text += c.toString()));
        socket.on('close', () => resolve(text));
        socket.write(`POST /inline HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nConnection: close\r\n${head}\r\n${body}`);
        setTimeout(() => socket.end(), 300);
      });
    assert.match(await raw('Content-Length: 999999\r\n', '{"file": "AAAA"}'), /^HTTP\/1\.1 413 [^]*"code":"payload_too_large"/);
    assert.match(await raw('Content-Length: 20\r\n', '{"file": "AAAA"}'), /^HTTP\/1\.1 400 /);
  });
});
