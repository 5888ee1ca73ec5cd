// Property-based fuzzing of every HTTP route: requests generated from /openapi.json (and the routes it
// leaves out), with random and mutated methods, path parameters, query strings, headers, bodies and
// framing, sent in small concurrent batches. Every answer is a documented status, never a 5xx, with
// X-API-Version and, for errors, the catalogue's {error, code} at the code's status; healthy clients
// connected alongside keep receiving throughout, and /healthz answers at every checkpoint.
// Seeded and bounded: see settings.ts for CAPSTAN_FUZZ_SEED and CAPSTAN_FUZZ_RUNS.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { LINGER_MS } from '../../src/http/connections.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { until } from '../helpers/wait.js';
import { checkAnswer } from './answers.js';
import { requestArbitrary, routesOf, type FuzzRequest } from './http-requests.js';
import { send } from './http-send.js';
import { checkProperty, runs, seed } from './settings.js';
import { makeTenant } from './tenants.js';
import { openWitnesses, type Witnesses } from './witnesses.js';

const WITNESS_CONNECTIONS = 3;

interface Scenario {
  readonly name: string;
  readonly config: Record<string, unknown>;
  /** Whether fuzzed requests get the real admin token: not where its rate budget must last for the witnesses. */
  readonly adminToken: boolean;
  readonly batches: number;
}

// Short request timeouts keep the stalled-header and short-body cases cheap; the witnesses are
// streams, which those timeouts never cut. Behind a trusted proxy, X-Forwarded-For picks the rate
// bucket: the witnesses have an address of their own, the fuzzer's requests pick theirs at random.
const common = { trustProxy: ['127.0.0.1'], httpHeadersTimeoutMs: 500, httpRequestTimeoutMs: 500, fetchTimeoutMs: 500 };

const SCENARIOS: readonly Scenario[] = [
  // Headers up to 64 KiB, so 10,000 query parameters reach the query parser instead of a 431.
  { name: 'rate limits off', config: { ...common, httpMaxHeaderBytes: 65_536 }, adminToken: true, batches: 500 },
  { name: 'small rate limits', config: { ...common, rateLimitPerMinute: 40, authFailuresPerMinute: 3 }, adminToken: false, batches: 120 },
];

const hasUpgrade = (req: FuzzRequest) => req.headers.some(([k]) => k.toLowerCase() === 'upgrade');

for (const scenario of SCENARIOS) {
  describe(`HTTP fuzzing, ${scenario.name} (seed ${seed})`, () => {
    let ts: TestServer;
    let witnesses: Witnesses;
    let arbitrary: fc.Arbitrary<FuzzRequest[]>;
    let routeCount = 0;

    before(async () => {
      ts = await startServer(scenario.config);
      const own = await makeTenant(ts, 'fuzzed');
      const other = await makeTenant(ts, 'other');
      witnesses = await openWitnesses(ts);
      const doc = (await (await fetch(`${ts.url}/openapi.json`)).json()) as Parameters<typeof routesOf>[0];
      const routes = routesOf(doc);
      routeCount = routes.length;
      arbitrary = fc.array(requestArbitrary(routes, { own, other, adminToken: scenario.adminToken }), { minLength: 1, maxLength: 3 });
    });
    after(async () => {
      witnesses?.close();
      await ts?.close();
    });

    test('every answer is documented, and healthy clients keep receiving', async (t) => {
      const batches = runs(scenario.batches);
      const checkpointEvery = Math.max(1, Math.ceil(batches / 3));
      const statuses = new Map<number, number>();
      let done = 0;
      let requests = 0;
      const started = Date.now();
      await checkProperty(`http ${scenario.name}`, arbitrary, batches, async (batch) => {
        const outcomes = await Promise.all(batch.map((req) => send(ts.url, req)));
        outcomes.forEach((outcome, i) => {
          if ('failure' in outcome) assert.fail(`request ${i} (${outcome.via}): ${outcome.failure}`);
          statuses.set(outcome.answer.status, (statuses.get(outcome.answer.status) ?? 0) + 1);
          checkAnswer(outcome.answer, { upgrade: hasUpgrade(batch[i]!) });
        });
        requests += batch.length;
        done += 1;
        if (done % checkpointEvery === 0) await witnesses.checkpoint(`during-${done}`);
      });
      await witnesses.checkpoint('after');
      // Every stream and socket a fuzzed request opened is gone with its request: only the witnesses remain.
      await until(() => ts.server.ctx.realtime.size === WITNESS_CONNECTIONS, 'the fuzzed streams and sockets to be released', 10_000);
      // And no socket is left behind once refused connections had their linger: the server holds the
      // witnesses' connections and, at most, idle keep-alive ones it may close.
      await new Promise((r) => setTimeout(r, LINGER_MS + 200));
      ts.server.app.server.closeIdleConnections();
      const open = () => new Promise<number>((r) => ts.server.app.server.getConnections((_e, n) => r(n)));
      const deadline = Date.now() + 2000;
      while ((await open()) > WITNESS_CONNECTIONS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      assert.equal(await open(), WITNESS_CONNECTIONS, 'connections left open besides the witnesses');
      t.diagnostic(`${requests} requests over ${routeCount} routes in ${batches} batches, ${Date.now() - started} ms; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])))}`);
      // A fuzzer that never gets past authentication would pass without testing much.
      assert.ok([...statuses.keys()].some((s) => s >= 200 && s < 300), 'some requests succeeded');
    });
  });
}
