// Measures what one workflow claim costs with a backlog: seeds a fresh database (SQLite in a temp
// directory, or a fresh PostgreSQL database dropped at the end) with queued runs spread over some
// organizations and kinds, a few stages running under live leases, and times claims one at a time.
// Usage: node --import tsx bench/tools/claim-cost.ts [--driver=sqlite|postgres] [--runs=100000]
//   [--orgs=3] [--claims=21] [--between=0] [--idle]
// --between is the share of the backlog already past its first stage (status running, no lease), as a
// bulk upload leaves it a little later: what the counts of stages running must not scan. --idle times
// the claims of reserved slots (organizations with nothing running on the claiming node).
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { openStorage, type Storage } from '../../src/storage/index.js';
import { PG_ADMIN_URL, pgAdmin } from '../lib/scaled-storage.js';
import { tempDir } from '../lib/temp-dir.js';

const arg = (name: string, fallback: string): string => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const driver = arg('driver', 'sqlite');
if (driver !== 'sqlite' && driver !== 'postgres') usage(`--driver must be sqlite or postgres, got ${driver}`);
/** A whole number option within its bounds, or a usage error naming it. */
function whole(name: string, fallback: string, min: number, max: number): number {
  const value = Number(arg(name, fallback));
  if (!Number.isInteger(value) || value < min || value > max) usage(`--${name} must be a whole number from ${min} to ${max}`);
  return value;
}
function usage(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}
const runs = whole('runs', '100000', 1, 10_000_000);
const orgs = whole('orgs', '3', 1, 1_000_000);
const claims = whole('claims', '21', 1, 10_000);
const between = Number(arg('between', '0'));
if (!(between >= 0 && between <= 1)) usage('--between must be a share from 0 to 1');
const idle = process.argv.includes('--idle');
const KINDS = ['document', 'video', 'organize'];
const LIVE_LEASES = 8;

async function open(): Promise<{ storage: Storage; drop: () => Promise<void> }> {
  const dir = tempDir('capstan-claim-cost-');
  if (driver === 'sqlite') return { storage: openStorage(`sqlite:${join(dir.path, 'claim.db')}`, dir.path), drop: async () => dir.remove() };
  const name = `capstan_claim_cost_${randomBytes(5).toString('hex')}`;
  await pgAdmin(`CREATE DATABASE ${name}`);
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return { storage: openStorage(url.toString(), dir.path), drop: async () => { await pgAdmin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`); dir.remove(); } };
}

async function seed(storage: Storage, now: number): Promise<void> {
  const at = new Date(now).toISOString();
  const batch = 500;
  for (let start = 0; start < runs; start += batch) {
    const rows = [];
    for (let i = start; i < Math.min(runs, start + batch); i++) {
      const leased = i < LIVE_LEASES;
      const status = leased || i < LIVE_LEASES + runs * between ? 'running' : 'queued';
      rows.push({
        id: `wf_${String(i).padStart(8, '0')}`, kind: KINDS[i % KINDS.length]!, org_id: `org_${i % orgs}`, resource_id: `res_${i}`, status,
        attempts: leased ? 1 : 0, lease_owner: leased ? 'w_busy' : null, lease_expires_at: leased ? now + 600_000 : null,
        run_after: now - 1_000_000 + i, error: null, input: '{}', created_at: at, updated_at: at, completed_at: null, failed_permanently: 0, stage_statuses: null,
      } as const);
    }
    await storage.db.insertInto('workflow_runs').values(rows).execute();
  }
  // The statistics autovacuum would gather a little later, so the planner sees the backlog.
  if (driver === 'postgres') await sql`analyze workflow_runs`.execute(storage.db);
}

const { storage, drop } = await open();
try {
  await storage.migrate();
  const now = Date.now();
  await seed(storage, now);
  const times: number[] = [];
  for (let i = 0; i < claims + 3; i++) {
    const t = performance.now();
    // An owner per claim, as if each came from another node: a reserved slot's claim always finds work.
    const run = await storage.workflows.claim(KINDS, `w_bench_${i}`, now, 600_000, { idleOrgsOnly: idle });
    const ms = performance.now() - t;
    if (!run) throw new Error('nothing claimed');
    if (i >= 3) times.push(ms);
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)]!;
  console.log(JSON.stringify({ driver, runs, orgs, between, idle, claims, medianMs: Number(median.toFixed(2)), minMs: Number(times[0]!.toFixed(2)), maxMs: Number(times.at(-1)!.toFixed(2)) }));
} finally {
  await storage.close();
  await drop();
}
