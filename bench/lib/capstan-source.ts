// Which Capstan a benchmark measures: the working tree as it is, or a pinned git revision extracted
// to a temporary directory (others may be editing src/ while a run is under way).
import { execFileSync } from 'node:child_process';
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './temp-dir.js';

export interface CapstanSource {
  /** Directory holding src/ and package.json to run the CLI from. */
  readonly dir: string;
  /** Commit measured, with "+dirty" when the working tree had uncommitted changes under src/. */
  readonly revision: string;
  dispose(): void;
}

const git = (root: string, args: readonly string[]) => execFileSync('git', ['-C', root, ...args], { encoding: 'utf8' }).trim();

export function capstanSource(root: string, rev: string | undefined): CapstanSource {
  if (rev === undefined) {
    const head = git(root, ['rev-parse', '--short', 'HEAD']);
    const dirty = git(root, ['status', '--porcelain', '--', 'src', 'package.json']) !== '';
    return { dir: root, revision: `${head}${dirty ? '+dirty (working tree)' : ''}`, dispose: () => undefined };
  }
  const commit = git(root, ['rev-parse', '--short', `${rev}^{commit}`]);
  const dir = tempDir('capstan-src-');
  const tar = execFileSync('git', ['-C', root, 'archive', '--format=tar', commit, 'src', 'package.json', 'tsconfig.json'], { maxBuffer: 256 * 2 ** 20 });
  execFileSync('tar', ['-x', '-C', dir.path], { input: tar });
  symlinkSync(join(root, 'node_modules'), join(dir.path, 'node_modules'));
  return { dir: dir.path, revision: commit, dispose: dir.remove };
}
