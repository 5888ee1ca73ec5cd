// What the CLI tests share: data directories removed after the file, and the shapes of the CLI's
// answers (JSON on stdout, a configuration error's one line, an admin command's JSON error).
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after } from 'node:test';
import type { CliResult } from './cli.js';
import { tempDir } from './server.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

export function dataDir(): string {
  const d = tempDir('capstan-cli-');
  dirs.push(d);
  return d;
}

export function json(res: CliResult): Record<string, unknown> {
  assert.equal(res.code, 0, `exit 0 expected; stderr: ${res.stderr}`);
  return JSON.parse(res.stdout) as Record<string, unknown>;
}

/** A configuration error: exit code 2 and exactly one line on stderr, naming the option. */
export function assertConfigError(res: CliResult, option: RegExp): void {
  assert.equal(res.code, 2, `exit 2 expected; stderr: ${res.stderr}`);
  const lines = res.stderr.split('\n').filter((l) => l.length > 0);
  assert.equal(lines.length, 1, `exactly one stderr line, got: ${JSON.stringify(res.stderr)}`);
  assert.match(lines[0]!, option);
  assert.equal(res.stdout, '');
}

/** A failed admin command: a JSON error body on stderr, exit 2 for bad usage and 1 for a refused operation. */
export function assertAdminError(res: CliResult, code: string, exit: 1 | 2): { error: string; code: string } {
  assert.equal(res.code, exit, `exit ${exit} expected; stderr: ${res.stderr}`);
  const lines = res.stderr.split('\n').filter((l) => l.length > 0);
  assert.equal(lines.length, 1, `one stderr line, got: ${JSON.stringify(res.stderr)}`);
  const body = JSON.parse(lines[0]!) as { error: string; code: string };
  assert.equal(body.code, code);
  assert.equal(typeof body.error, 'string');
  return body;
}
