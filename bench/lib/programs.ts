// Every process the harness starts runs JavaScript, as a deployed server does, not TypeScript through
// a loader. Through tsx each process paid for the loader: esbuild's `__name` helper on every function
// it makes (a closure per connection is a defineProperty per connection), source maps kept for every
// stack, and a loader thread while modules load. Capstan at 10,000 subscribers, two pairs: 369–417 µs
// of server CPU per connect through tsx, 311–351 from its build; 1.5–1.8 µs per delivery at the max
// rate, 1.4–1.45 from its build.
//  - Capstan runs from its own build (`tsc -p tsconfig.json` into dist/, the first step of
//    `npm start`), of the source measured: the working tree or a pinned revision.
//  - The harness's own programs (the baseline servers, the load clients) are transpiled once per
//    harness run into a temporary directory, file by file with TypeScript's transpileModule (their
//    types are checked by `npm run typecheck`, not here).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';
import { tempDir, type TempDir } from './temp-dir.js';

const built = new Set<string>();

/**
 * The entry point to run the Capstan CLI of `dir` with (the repository or a pinned revision's copy):
 * its build, made first (incrementally: an up-to-date build writes nothing). A source that does not
 * build is refused, as `npm start` refuses it.
 */
export function capstanEntry(dir: string): string {
  if (!built.has(dir)) {
    try {
      execFileSync(process.execPath, [join(dir, 'node_modules/typescript/bin/tsc'), '-p', join(dir, 'tsconfig.json')], { cwd: dir, stdio: 'pipe', maxBuffer: 64 * 2 ** 20 });
    } catch (e) {
      const out = (e as { stdout?: Buffer }).stdout?.toString() ?? '';
      throw new Error(`building Capstan in ${dir} (tsc -p tsconfig.json) failed:\n${out.slice(0, 4000)}`);
    }
    built.add(dir);
  }
  return join(dir, 'dist/cli/main.js');
}

let harness: TempDir | undefined;

/** The JavaScript of a harness program, `rel` being its path from the repository root (`bench/servers/raw-sse.ts`). */
export function harnessProgram(root: string, rel: string): string {
  harness ??= transpileBench(root);
  return join(harness.path, rel.replace(/\.ts$/, '.js'));
}

function transpileBench(root: string): TempDir {
  const out = tempDir('capstan-bench-js-');
  const options: ts.CompilerOptions = { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, sourceMap: false };
  for (const file of tsFiles(join(root, 'bench'))) {
    const js = ts.transpileModule(readFileSync(file, 'utf8'), { compilerOptions: options, fileName: file }).outputText;
    const target = join(out.path, relative(root, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, js);
  }
  // ES modules, resolving their packages from the repository's node_modules.
  writeFileSync(join(out.path, 'package.json'), '{"type":"module"}\n');
  symlinkSync(join(root, 'node_modules'), join(out.path, 'node_modules'));
  return out;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((item) => {
    const path = join(dir, item.name);
    if (item.isDirectory()) return item.name === 'results' ? [] : tsFiles(path);
    return item.name.endsWith('.ts') && !item.name.endsWith('.d.ts') ? [path] : [];
  });
}
