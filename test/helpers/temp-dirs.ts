// Temporary directories a test file makes, removed when the file's tests are done.
import { rmSync } from 'node:fs';
import { after } from 'node:test';
import { tempDir } from './server.js';

/** Call at the top of a test file: the function it returns makes a directory removed after the file. */
export function tempDirsRemovedAfter(): () => string {
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  return () => {
    const d = tempDir();
    dirs.push(d);
    return d;
  };
}
