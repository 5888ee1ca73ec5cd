// Capstan's CORS policy (src/http/cors.ts), applied as app.ts's first hook applies it, answers exactly
// as @fastify/cors did with Capstan's options:
// the same status and the same headers in the same order, for simple requests and whole preflights,
// from any origin or from a list, on routes and on unknown paths.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import cors from '@fastify/cors';
import Fastify, { type FastifyInstance } from 'fastify';
import { CorsPolicy, routePreflights } from '../../src/http/cors.js';

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
const EXPOSED = ['ETag', 'X-Request-ID', 'X-API-Version', 'Retry-After', 'Location', 'Content-Range', 'Accept-Ranges', 'Idempotent-Replayed', 'Allow', 'Content-Disposition'];

async function appWith(setup: (app: FastifyInstance) => PromiseLike<unknown> | void): Promise<FastifyInstance> {
  const app = Fastify();
  await setup(app);
  app.get('/status/:id', async () => ({ ok: true }));
  app.post('/upload', async (_req, reply) => reply.code(201).send({ ok: true }));
  await app.ready();
  return app;
}

const plugin = (origins: true | string[]) => appWith((app) => app.register(cors, { origin: origins, methods: METHODS, exposedHeaders: EXPOSED, maxAge: 600 }));
const ours = (origins: true | string[]) =>
  appWith((app) => {
    const cors = new CorsPolicy({ origins, methods: METHODS, exposedHeaders: EXPOSED, maxAgeSeconds: 600 });
    app.addHook('onRequest', (req, reply, done) => {
      cors.setHeaders(req.headers.origin, reply);
      if (cors.isPreflight(req)) cors.answerPreflight(req, reply);
      else done();
    });
    routePreflights(app);
  });

interface Case {
  readonly method: 'GET' | 'POST' | 'OPTIONS';
  readonly url: string;
  readonly headers: Record<string, string>;
}

const ORIGINS = [undefined, 'https://app.example.com', 'https://other.example.com', ''];
const CASES: Case[] = [];
for (const origin of ORIGINS) {
  const from: Record<string, string> = origin === undefined ? {} : { origin };
  for (const url of ['/status/doc_1', '/upload', '/nowhere']) {
    CASES.push({ method: 'GET', url, headers: from });
    CASES.push({ method: 'POST', url, headers: { ...from, 'content-type': 'application/json' } });
    // Only whole preflights reach the hook in Capstan: app.ts answers the others first.
    if (origin) {
      CASES.push({ method: 'OPTIONS', url, headers: { ...from, 'access-control-request-method': 'POST' } });
      CASES.push({ method: 'OPTIONS', url, headers: { ...from, 'access-control-request-method': 'PUT', 'access-control-request-headers': 'authorization, content-type' } });
    }
  }
}

const comparable = (headers: Record<string, unknown>) => Object.entries(headers).filter(([name]) => name !== 'date');

for (const origins of [true, ['https://app.example.com']] as const) {
  describe(`CORS from ${origins === true ? 'any origin' : 'a list of origins'}`, () => {
    test('every answer has the status and headers, in order, of @fastify/cors', async () => {
      const [before, after] = await Promise.all([plugin(origins === true ? true : [...origins]), ours(origins === true ? true : [...origins])]);
      try {
        for (const c of CASES) {
          const request = { method: c.method, url: c.url, headers: c.headers, ...(c.method === 'POST' ? { payload: '{}' } : {}) };
          const [expected, actual] = await Promise.all([before.inject(request), after.inject(request)]);
          const label = JSON.stringify(c);
          assert.equal(actual.statusCode, expected.statusCode, label);
          assert.deepEqual(comparable(actual.headers), comparable(expected.headers), label);
          assert.equal(actual.body, expected.body, label);
        }
      } finally {
        await Promise.all([before.close(), after.close()]);
      }
    });
  });
}

test('a listed origin is matched as the configuration says, lower-cased and without its default port, and answered as it was sent', () => {
  const cors = new CorsPolicy({ origins: ['https://app.example.com', 'http://localhost:8080'], methods: METHODS, exposedHeaders: EXPOSED, maxAgeSeconds: 600 });
  const allowOrigin = (origin: string) => new Map(cors.headersFor(origin)).get('Access-Control-Allow-Origin');
  assert.equal(allowOrigin('https://app.example.com'), 'https://app.example.com');
  assert.equal(allowOrigin('HTTPS://App.Example.com:443'), 'HTTPS://App.Example.com:443');
  assert.equal(allowOrigin('http://LOCALHOST:8080'), 'http://LOCALHOST:8080');
  for (const other of ['https://app.example.com:8443', 'http://app.example.com', 'https://app.example.com.evil.test', 'https://app.example.com/path', 'null', '*']) {
    assert.equal(allowOrigin(other), undefined, other);
  }
});
