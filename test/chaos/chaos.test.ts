// The chaos suite's short profile inside `npm test` (chaos/, docs/reliability.md): three real nodes on
// a private PostgreSQL, Redis and S3; each scenario's iterations kill a node or restart Redis or
// PostgreSQL once, at a point a fixed seed chooses, and every invariant must hold. On a failure the
// message is the run's summary, and the JSON report with every violation's evidence is kept.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { FAULT_KINDS, PROFILES, passed, runChaos, textSummary, writeReport } from '../../chaos/index.js';

test('chaos (short profile): no invariant breaks under node kills and Redis and PostgreSQL restarts', { timeout: 360_000 }, async (t) => {
  const log: string[] = [];
  const report = await runChaos(
    { profile: PROFILES.short, iterations: undefined, seed: 'npm-test', scenarios: ['documents', 'hub', 'access', 'video'], faults: FAULT_KINDS, reportPath: undefined, writeDocs: false, capstanRev: undefined },
    'npm test -- chaos',
    (line) => log.push(line),
  );
  if (!passed(report)) {
    const path = join(mkdtempSync(join(tmpdir(), 'capstan-chaos-report-')), 'short.json');
    writeReport(path, report);
    assert.fail(`${textSummary(report)}\nfull report: ${path}\nrun log:\n${log.slice(-40).join('\n')}`);
  }
  // A slow machine may use up the profile's time budget: fewer iterations, still a valid run.
  for (const line of textSummary(report).split('\n')) t.diagnostic(line);
});
