// The harness runs JavaScript: the baseline servers and load clients transpiled from bench/, Capstan
// from its own build. A source that does not build is refused with tsc's own message.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { capstanEntry, harnessProgram } from '../../bench/lib/programs.js';
import { REPO_ROOT } from '../helpers/cli.js';

describe('bench programs', () => {
  test('a harness program is plain JavaScript that node runs without a loader', () => {
    const path = harnessProgram(REPO_ROOT, 'bench/servers/common.ts');
    assert.match(path, /bench\/servers\/common\.js$/);
    const js = readFileSync(path, 'utf8');
    assert.doesNotMatch(js, /import type|: http\.ServerResponse/);
    // Imported by a bare node, with the relative imports and packages it has.
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', `const m = await import(${JSON.stringify(path)}); console.log(Object.keys(m).sort().join(','));`], { encoding: 'utf8' });
    assert.match(out, /handlePublish/);
    assert.match(out, /listen/);
    // The load client, which imports from bench/lib and bench/clients, is there too.
    assert.ok(existsSync(harnessProgram(REPO_ROOT, 'bench/clients/load-client.ts')));
  });

  test('Capstan runs from its build; a source with a type error is refused with the compiler message', () => {
    assert.equal(capstanEntry(REPO_ROOT), join(REPO_ROOT, 'dist/cli/main.js'));
    assert.ok(existsSync(join(REPO_ROOT, 'dist/cli/main.js')));

    const dir = mkdtempSync(join(tmpdir(), 'capstan-programs-'));
    try {
      mkdirSync(join(dir, 'src'));
      writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true, outDir: 'dist', rootDir: 'src', types: [] }, include: ['src'] }));
      writeFileSync(join(dir, 'src', 'main.ts'), 'export const n: number = "not a number";\n');
      symlinkSync(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'));
      assert.throws(() => capstanEntry(dir), (e: Error) => /tsc -p tsconfig\.json\) failed/.test(e.message) && /TS2322/.test(e.message));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
