// Runs the chaos suite: one environment for the whole run, then each scenario's iterations, each with
// one fault from a seeded plan. Every iteration is bounded in time, stops what it started, ends with a
// heal, and checks that no node died on its own. Whatever happens, the environment is torn down.
import { cpus } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AdminApi } from './clients/admin.js';
import { ClusterClient } from './clients/http.js';
import { CHAOS_TIMINGS, startEnvironment, NODE_COUNT, type ChaosEnvironment } from './environment.js';
import { FaultInjector, planFaults, type FaultKind } from './faults.js';
import { Checks } from './invariants.js';
import { capstanSource } from './lib/capstan-source.js';
import { Prng } from './lib/prng.js';
import type { ChaosOptions } from './options.js';
import type { ChaosReport, IterationReport, ScenarioReport } from './report.js';
import { access } from './scenarios/access.js';
import { documents } from './scenarios/documents.js';
import { hub } from './scenarios/hub.js';
import type { IterationContext, Scenario } from './scenarios/scenario.js';
import { video } from './scenarios/video.js';

const SCENARIOS: readonly Scenario[] = [documents, hub, access, video];

/** One iteration's hard bound (its own waits are shorter); past it the iteration is an error. */
const ITERATION_TIMEOUT_MS = 180_000;

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export async function runChaos(options: ChaosOptions, command: string, print: (line: string) => void): Promise<ChaosReport> {
  const started = Date.now();
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)}s`;
  const prng = new Prng(options.seed);
  const source = capstanSource(ROOT, options.capstanRev);
  print(`chaos: profile ${options.profile.name}, seed ${options.seed}, scenarios ${options.scenarios.join(', ')}, Capstan ${source.revision}`);
  let env: ChaosEnvironment;
  try {
    env = await startEnvironment(source.dir, (m) => print(`[env ${elapsed()}] ${m}`));
  } catch (e) {
    source.dispose();
    throw e;
  }
  const report: ChaosReport = {
    command,
    seed: options.seed,
    profile: options.profile.name,
    revision: source.revision,
    startedAt: new Date(started).toISOString(),
    durationMs: 0,
    machine: { cores: cpus().length, node: process.version },
    environment: { postgres: env.postgres.description, postgresMode: env.postgres.mode === 'private' ? 'private cluster' : 'shared server, restarts simulated by terminating backends', redis: env.redis.description, s3: env.s3.description, nodes: NODE_COUNT, settings: CHAOS_TIMINGS },
    scenarios: [],
    unexpectedExits: [],
    nodeProblems: [],
    stoppedEarly: undefined,
  };
  try {
    for (const scenario of SCENARIOS.filter((s) => options.scenarios.includes(s.name))) {
      const count = options.iterations ?? options.profile.iterations[scenario.name];
      const kinds = scenario.faults.filter((k) => options.faults.includes(k));
      if (kinds.length === 0) continue;
      const plan = planFaults(kinds, count, prng.fork(`${scenario.name}/plan`));
      const scenarioReport: ScenarioReport = { name: scenario.name, title: scenario.title, iterations: [] };
      report.scenarios.push(scenarioReport);
      for (let i = 0; i < count; i++) {
        if (Date.now() - started > options.profile.budgetMs) {
          report.stoppedEarly = `time budget of ${Math.round(options.profile.budgetMs / 1000)} s used up before ${scenario.name} #${i + 1}`;
          break;
        }
        const fault = plan[i] as FaultKind;
        const { report: it, healed } = await runIteration(env, scenario, i + 1, fault, prng.fork(`${scenario.name}/${i + 1}`), options, (m) => print(`[${scenario.name}#${i + 1} ${fault} ${elapsed()}] ${m}`));
        scenarioReport.iterations.push(it);
        const failing = [...new Set(it.violations.map((v) => v.invariant))].join(', ');
        print(`[${scenario.name}#${i + 1} ${fault} ${elapsed()}] ${it.checks} checks, ${it.violations.length} violations${failing ? ` (${failing})` : ''}${it.error ? `, error: ${it.error.split('\n')[0]}` : ''}`);
        if (!healed) {
          report.stoppedEarly = `the environment could not be healed after ${scenario.name} #${i + 1}`;
          break;
        }
      }
      if (report.stoppedEarly) break;
    }
  } finally {
    report.unexpectedExits = [...env.cluster.unexpectedExits()];
    report.nodeProblems = [...env.cluster.loggedProblems()];
    await env.close();
    source.dispose();
    report.durationMs = Date.now() - started;
  }
  return report;
}

/** One iteration; `healed` is false when the environment could not be brought back, which ends the run. */
async function runIteration(env: ChaosEnvironment, scenario: Scenario, iteration: number, fault: FaultKind, prng: Prng, options: ChaosOptions, log: (m: string) => void): Promise<{ report: IterationReport; healed: boolean }> {
  const started = Date.now();
  const checks = new Checks(scenario.name, iteration, fault);
  const faults = new FaultInjector(env);
  const deferred: (() => Promise<void>)[] = [];
  const exitsBefore = env.cluster.unexpectedExits().length;
  const client = new ClusterClient(env.cluster, prng.fork('http'));
  const ctx: IterationContext = {
    env,
    client,
    admin: new AdminApi(client, env.adminToken),
    faults,
    fault,
    prng,
    checks,
    sizes: options.profile.sizes,
    iteration,
    defer: (cleanup) => void deferred.push(cleanup),
    log,
  };
  let stats: Readonly<Record<string, number>> = {};
  let error: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    stats = await Promise.race([
      scenario.run(ctx),
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`iteration still running after ${ITERATION_TIMEOUT_MS / 1000} s`)), ITERATION_TIMEOUT_MS))),
    ]);
  } catch (e) {
    error = e instanceof Error ? (e.stack ?? e.message) : String(e);
  } finally {
    clearTimeout(timer);
    // An iteration that ran out of time must not aim its fault at the next one.
    faults.close();
    for (const cleanup of deferred.reverse()) await cleanup().catch(() => undefined);
  }
  let healed = true;
  try {
    await env.heal();
  } catch (e) {
    healed = false;
    error = `${error ? `${error}\n` : ''}the environment did not heal: ${e instanceof Error ? e.message : String(e)}`;
  }
  const exits = env.cluster.unexpectedExits().slice(exitsBefore);
  checks.expect('cluster.no-unexpected-exit', exits.length === 0, () => exits.map((e) => `${e.node} exited with ${e.code} at ${e.at}; last output: ${e.tail.slice(-1500)}`).join('\n'));
  const report: IterationReport = {
    iteration,
    fault,
    injected: faults.injected.map(({ startedAt, recoveredAt, ...rest }) => ({ ...rest, atMs: startedAt - started, recoveredAfterMs: recoveredAt === undefined ? undefined : recoveredAt - startedAt })),
    durationMs: Date.now() - started,
    checks: checks.checksRun,
    violations: checks.violations,
    error,
    stats,
  };
  return { report, healed };
}
