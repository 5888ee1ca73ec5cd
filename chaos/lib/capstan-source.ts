// Which Capstan a chaos run starts: the working tree as it is, or a committed revision extracted to a
// temporary directory (`--capstan-rev`), so a before and an after run go through the same suite while
// others keep editing src/.
import { execFileSync } from 'node:child_process';
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './temp-dir.js';

export interface CapstanSource {
  /** Directory holding src/ and package.json to run the CLI from. */
  readonly dir: string;
  /** The commit, with "+dirty" when the working tree had uncommitted changes under src/. */
  readonly revision: string;
  dispose(): void;
}

const git = (root: string, args: readonly string[]) => execFileSync('git', ['-C', root, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();

export function capstanSource(root: string, rev: string | undefined): CapstanSource {
  if (rev === undefined) {
    let revision = 'working tree';
    try {
      const dirty = git(root, ['status', '--porcelain', '--', 'src', 'package.json']) !== '';
      revision = `${git(root, ['rev-parse', '--short', 'HEAD'])}${dirty ? '+dirty (working tree)' : ''}`;
    } catch {
      // Not a git checkout: the working tree is all there is.
    }
    return { dir: root, revision, dispose: () => undefined };
  }
  const commit = git(root, ['rev-parse', '--short', `${rev}^{commit}`]);
  const dir = tempDir('capstan-chaos-src-');
  const tar = execFileSync('git', ['-C', root, 'archive', '--format=tar', commit, 'src', 'package.json', 'tsconfig.json'], { maxBuffer: 256 * 2 ** 20 });
  execFileSync('tar', ['-x', '-C', dir.path], { input: tar });
  symlinkSync(join(root, 'node_modules'), join(dir.path, 'node_modules'));
  return { dir: dir.path, revision: commit, dispose: dir.remove };
}
