// The workflow claim on both drivers: for random states (organizations, kinds, statuses, due times,
// leases live and lapsed, several owners) and sequences of claims it takes the run the claim that
// read every due run took; with a long backlog it reads the runs through the claim's indexes, one
// seek per organization and kind, and counts only the live leases; on PostgreSQL a run another
// transaction holds is passed over without waiting, and concurrent claims never take one run twice.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { CompiledQuery, sql, type Kysely, type KyselyPlugin, type QueryId, type RootOperationNode } from 'kysely';
import pg from 'pg';
import { openStorage, type Database, type Storage, type WorkflowRun } from '../../src/storage/index.js';
import { workflowRepo } from '../../src/storage/repos/workflows.js';
import { DRIVERS } from '../helpers/drivers.js';
import { tempDir } from '../helpers/server.js';
import { checkProperty, runs } from '../fuzz/settings.js';

const NOW = 1_000_000;
// Mixed case and digits: the order of ids and organizations is the database's collation, not ASCII.
const ORGS = ['org_a', 'org_B', 'org_c', 'org_D', 'org_10', 'org_9'];
const KINDS = ['document', 'video', 'organize'];
const OWNERS = ['w_1', 'w_2', 'w_3'];

/**
 * The claim's pick as it was before migration 0022, which read and sorted every due run: the
 * reference the claim must agree with.
 */
async function referencePick(db: Kysely<Database>, kinds: readonly string[], owner: string, now: number, idleOrgsOnly: boolean): Promise<string | undefined> {
  const held = (column: 'org_id' | 'kind') =>
    sql`(select ${sql.ref(column)}, count(*) as n from workflow_runs where status = 'running' and lease_expires_at >= ${now} group by ${sql.ref(column)})`;
  const idle = idleOrgsOnly
    ? sql`and not exists (select 1 from workflow_runs h where h.org_id = c.org_id and h.lease_owner = ${owner} and h.status = 'running' and h.lease_expires_at >= ${now})`
    : sql``;
  const res = await sql<{ id: string }>`
    select c.id from workflow_runs c
    left join ${held('org_id')} o on o.org_id = c.org_id
    left join ${held('kind')} k on k.kind = c.kind
    where c.status in ('queued', 'running') and c.kind in (${sql.join(kinds)}) and c.run_after <= ${now}
      and (c.lease_expires_at is null or c.lease_expires_at < ${now})
      ${idle}
    order by coalesce(o.n, 0), coalesce(k.n, 0), c.run_after, c.id
    limit 1`.execute(db);
  return res.rows[0]?.id;
}

interface RunSpec {
  readonly id: string;
  readonly org: string;
  readonly kind: string;
  readonly status: WorkflowRun['status'];
  readonly runAfter: number;
  readonly lease: { readonly owner: string; readonly expiresAt: number } | null;
}

function row(r: RunSpec): WorkflowRun {
  const at = new Date(0).toISOString();
  return {
    id: r.id, kind: r.kind, org_id: r.org, resource_id: `res_${r.id}`, status: r.status, attempts: r.lease ? 1 : 0,
    lease_owner: r.lease?.owner ?? null, lease_expires_at: r.lease?.expiresAt ?? null, run_after: r.runAfter, error: null, input: '{}',
    created_at: at, updated_at: at, completed_at: null, failed_permanently: 0, stage_statuses: null,
  };
}

async function replaceRuns(storage: Storage, specs: readonly RunSpec[]): Promise<void> {
  await storage.db.deleteFrom('workflow_runs').execute();
  for (let i = 0; i < specs.length; i += 1000) await storage.db.insertInto('workflow_runs').values(specs.slice(i, i + 1000).map(row)).execute();
}

const runArbitrary = fc.record({
  org: fc.constantFrom(...ORGS),
  kind: fc.constantFrom(...KINDS),
  status: fc.constantFrom<WorkflowRun['status']>('queued', 'queued', 'queued', 'running', 'running', 'completed', 'failed', 'cancelled'),
  // A narrow range, so that due times tie and the id decides.
  runAfter: fc.integer({ min: NOW - 40, max: NOW + 20 }),
  lease: fc.option(fc.record({ owner: fc.constantFrom(...OWNERS), expiresAt: fc.integer({ min: NOW - 30, max: NOW + 80 }) }), { freq: 2 }),
});

const caseArbitrary = fc.record({
  runs: fc.uniqueArray(fc.tuple(fc.stringMatching(/^[A-Za-z0-9]{1,4}$/), runArbitrary), { maxLength: 120, size: 'max', selector: ([id]) => id }),
  claims: fc.array(
    fc.record({
      owner: fc.constantFrom(...OWNERS),
      idleOrgsOnly: fc.boolean(),
      kinds: fc.subarray(KINDS, { minLength: 1 }),
      advance: fc.integer({ min: 0, max: 15 }),
      leaseMs: fc.integer({ min: 1, max: 40 }),
    }),
    { minLength: 1, maxLength: 12, size: 'max' },
  ),
});

/** The claim's statement as the repository sends it on `storage`'s driver, without running it. */
async function claimStatement(storage: Storage, driver: 'sqlite' | 'postgres', idleOrgsOnly: boolean): Promise<CompiledQuery> {
  let captured: { node: RootOperationNode; queryId: QueryId } | undefined;
  const stop = new Error('captured');
  const capture: KyselyPlugin = {
    transformQuery(args) {
      captured = args;
      throw stop;
    },
    transformResult: async (args) => args.result,
  };
  await assert.rejects(workflowRepo(storage.db.withPlugin(capture), driver).claim(KINDS, 'w_explain', NOW, 60_000, { idleOrgsOnly }), (e) => e === stop);
  assert.ok(captured);
  return storage.db.getExecutor().compileQuery(captured.node, captured.queryId);
}

interface PgPlanNode {
  readonly 'Relation Name'?: string;
  readonly 'Actual Rows'?: number;
  readonly 'Actual Loops'?: number;
  readonly 'Rows Removed by Filter'?: number;
  readonly 'Rows Removed by Index Recheck'?: number;
  readonly Plans?: readonly PgPlanNode[];
}

/** Rows a PostgreSQL plan read from workflow_runs, over all its scans and their loops (kept or filtered out). */
function rowsRead(node: PgPlanNode): number {
  const own = node['Relation Name'] === 'workflow_runs'
    ? ((node['Actual Rows'] ?? 0) + (node['Rows Removed by Filter'] ?? 0) + (node['Rows Removed by Index Recheck'] ?? 0)) * (node['Actual Loops'] ?? 1)
    : 0;
  return own + (node.Plans ?? []).reduce((sum, child) => sum + rowsRead(child), 0);
}

for (const driver of DRIVERS) {
  describe(`workflow claim on ${driver.name}`, () => {
    let storage: Storage;
    let cleanup: () => Promise<void>;
    let url: string;
    const name = driver.name as 'sqlite' | 'postgres';

    before(async () => {
      ({ storage, cleanup, url } = await driver.open());
      await storage.migrate();
    });
    after(async () => {
      await storage.close();
      await cleanup();
    });

    test('for any state and any sequence of claims, the claim takes the run the whole-scan claim took', async () => {
      await checkProperty(`workflow claim order on ${driver.name}`, caseArbitrary, runs(40), async (c) => {
        await replaceRuns(storage, c.runs.map(([id, r]) => ({ id: `wf_${id}`, ...r, lease: r.lease ?? null })));
        let now = NOW;
        for (const step of c.claims) {
          now += step.advance;
          const expected = await referencePick(storage.db, step.kinds, step.owner, now, step.idleOrgsOnly);
          const claimed = await storage.workflows.claim(step.kinds, step.owner, now, step.leaseMs, { idleOrgsOnly: step.idleOrgsOnly });
          assert.equal(claimed?.id, expected, `claim by ${step.owner} at ${now} of ${step.kinds.join(',')}${step.idleOrgsOnly ? ' (idle organizations only)' : ''}`);
          if (claimed) assert.deepEqual([claimed.status, claimed.lease_owner, Number(claimed.lease_expires_at)], ['running', step.owner, now + step.leaseMs]);
        }
      });
    });

    describe('with a long backlog', () => {
      // 20,000 queued runs (one organization's bulk upload and two smaller ones), 5,000 between stages
      // (running, no lease) and a few stages under live leases.
      before(async () => {
        const specs: RunSpec[] = [];
        for (let i = 0; i < 25_000; i++) {
          const org = i % 10 === 0 ? 'org_small' : i % 10 === 1 ? 'org_other' : 'org_bulk';
          const between = i >= 20_000;
          specs.push({ id: `wf_${String(i).padStart(6, '0')}`, org, kind: KINDS[i % 3]!, status: between ? 'running' : 'queued', runAfter: NOW - 100_000 + i, lease: null });
        }
        for (let i = 0; i < 6; i++) specs.push({ id: `wf_live_${i}`, org: i < 4 ? 'org_bulk' : 'org_other', kind: KINDS[i % 3]!, status: 'running', runAfter: NOW - 200_000, lease: { owner: 'w_busy', expiresAt: NOW + 60_000 } });
        await replaceRuns(storage, specs);
        if (name === 'postgres') await sql`analyze workflow_runs`.execute(storage.db);
      });

      test('claims take what the whole-scan claim took', async () => {
        // (Idle organizations only is left to the property above: the whole-scan reference took seconds a
        // claim for it here, checking the owner's leases once per due run.)
        for (let i = 0; i < 30; i++) {
          const owner = OWNERS[i % 3]!;
          const expected = await referencePick(storage.db, KINDS, owner, NOW + i, false);
          assert.equal((await storage.workflows.claim(KINDS, owner, NOW + i, 60_000))?.id, expected, `claim ${i}`);
        }
      });

      for (const idleOrgsOnly of [false, true]) {
        test(`the claim${idleOrgsOnly ? ' for idle organizations' : ''} reads the runs through its indexes, not the whole backlog`, async () => {
          const statement = await claimStatement(storage, name, idleOrgsOnly);
          if (name === 'sqlite') {
            const plan = (await storage.db.executeQuery<{ detail: string }>(CompiledQuery.raw(`explain query plan ${statement.sql}`, [...statement.parameters]))).rows.map((r) => r.detail);
            const shown = plan.join('\n');
            const indexes = new Set(plan.flatMap((line) => [...line.matchAll(/USING (?:COVERING )?INDEX (\w+)/g)].map((m) => m[1])));
            assert.deepEqual([...indexes].filter((i) => !['workflow_runs_claim', 'workflow_runs_leased', 'sqlite_autoindex_workflow_runs_1'].includes(i!)), [], shown);
            // A bare SCAN is a full scan of a table unless it reads a subquery's rows (a CTE).
            const subqueries = new Set(plan.flatMap((line) => /^(?:CO-ROUTINE|MATERIALIZE) (\w+)$/.exec(line)?.slice(1) ?? []));
            assert.deepEqual(plan.filter((line) => /^SCAN \w+$/.test(line) && !subqueries.has(line.slice('SCAN '.length))), [], shown);
            assert.ok(plan.some((line) => line.includes('workflow_runs_claim (org_id=? AND kind=? AND run_after<?)')), `the due runs are sought per organization and kind\n${shown}`);
            assert.ok(plan.filter((line) => line.includes('workflow_runs_leased')).every((line) => line.includes('(lease_expires_at>?)')), `the counts read only the live leases\n${shown}`);
          } else {
            // ANALYZE runs the claim (it takes one run): what counts is how many rows it read to do it.
            const res = await storage.db.executeQuery<{ 'QUERY PLAN': [{ Plan: PgPlanNode }] }>(CompiledQuery.raw(`explain (analyze, format json) ${statement.sql}`, [...statement.parameters]));
            const plan = res.rows[0]!['QUERY PLAN'][0].Plan;
            const read = rowsRead(plan);
            assert.ok(read < 200, `the claim read ${read} rows of workflow_runs with 25,000 active ones\n${JSON.stringify(plan, null, 1)}`);
          }
        });
      }
    });

    if (driver.name === 'postgres') {
      describe('beside other transactions', () => {
        let bounded: Storage;
        let other: pg.Client;

        before(async () => {
          // A claim that waited for a lock would fail at this bound instead of hanging the test.
          bounded = openStorage(url, tempDir(), { databaseQueryTimeoutMs: 3000 });
          other = new pg.Client({ connectionString: url });
          await other.connect();
        });
        after(async () => {
          await other.end();
          await bounded.close();
        });

        const due = (id: string, org: string, age: number): RunSpec => ({ id, org, kind: 'document', status: 'queued', runAfter: NOW - age, lease: null });

        test('a run another transaction holds is passed over at once: the next of its organization, else the next organization’s', async () => {
          await replaceRuns(storage, [due('wf_a1', 'org_a', 4000), due('wf_a2', 'org_a', 3000), due('wf_b1', 'org_b', 2000), due('wf_a3', 'org_a', 1000)]);
          await other.query('begin');
          try {
            await other.query(`select id from workflow_runs where id = 'wf_a1' for update`);
            assert.equal(await referencePick(storage.db, ['document'], 'w_1', NOW, false), 'wf_a1');
            assert.equal((await bounded.workflows.claim(['document'], 'w_1', NOW, 60_000))?.id, 'wf_a2');
            // org_a now holds a lease: org_b goes first, and with its only run held, org_a's next.
            await other.query(`select id from workflow_runs where id = 'wf_b1' for update`);
            assert.equal((await bounded.workflows.claim(['document'], 'w_1', NOW, 60_000))?.id, 'wf_a3');
            assert.equal(await bounded.workflows.claim(['document'], 'w_1', NOW, 60_000), undefined, 'every due run is held or claimed');
          } finally {
            await other.query('rollback');
          }
          assert.equal((await bounded.workflows.claim(['document'], 'w_1', NOW, 60_000))?.id, 'wf_b1');
        });

        test('concurrent claims each take a different run', async () => {
          await replaceRuns(storage, Array.from({ length: 40 }, (_, i) => due(`wf_c${String(i).padStart(2, '0')}`, i % 2 === 0 ? 'org_a' : 'org_b', 1000 + i)));
          const claimed = await Promise.all(Array.from({ length: 16 }, (_, i) => bounded.workflows.claim(['document'], `w_${i}`, NOW, 60_000)));
          const ids = claimed.map((r) => r?.id);
          assert.ok(ids.every((id) => id !== undefined), JSON.stringify(ids));
          assert.equal(new Set(ids).size, ids.length, JSON.stringify(ids));
        });
      });
    }
  });
}
