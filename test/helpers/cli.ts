// Runs the real CLI as a child process with a clean environment: nothing from the caller's
// CAPSTAN_* or PORT leaks in, only what the test passes. It runs the build users start
// (`node dist/cli/main.js`, which `npm test` makes first) when that build is newer than every source
// file, and the sources through tsx otherwise (a test run on its own after an edit): the same
// program either way, but a built start takes half the time and CPU of one through tsx, and the
// suite starts the CLI dozens of times.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = 'src/cli/main.ts';
const BUILT = 'dist/cli/main.js';
/** Written by every build, after its output (tsconfig.json's tsBuildInfoFile). */
const BUILD_INFO = 'dist/.tsbuildinfo';

let entry: readonly string[] | undefined;

/** How node is told to run the CLI: the build when it is current, the sources otherwise. */
export function cliEntry(): readonly string[] {
  entry ??= builtAt() >= newestSource(join(REPO_ROOT, 'src')) ? [BUILT] : ['--import', 'tsx', MAIN];
  return entry;
}

function builtAt(): number {
  try {
    return statSync(join(REPO_ROOT, BUILD_INFO)).mtimeMs;
  } catch {
    return -1;
  }
}

function newestSource(dir: string): number {
  let newest = statSync(dir).mtimeMs;
  for (const item of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, item.name);
    newest = Math.max(newest, item.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

export function cliEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('CAPSTAN_') || k === 'PORT' || k.startsWith('NODE_TEST')) continue;
    base[k] = v;
  }
  return { ...base, ...env };
}

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs one CLI command to completion. */
export function runCli(args: readonly string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [...cliEntry(), ...args], { cwd: REPO_ROOT, env: cliEnv(env), timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Starts a long-running CLI command (e.g. `serve`); the caller owns the process. */
export function spawnCli(args: readonly string[], env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, [...cliEntry(), ...args], { cwd: REPO_ROOT, env: cliEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
}
