// Finding a program the way a shell would, so that a configured one that is not there is said at
// start rather than when the first video needs it.
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** A path as given, or a bare name looked up on PATH as a shell would. */
export function resolveExecutable(command: string, path = process.env.PATH ?? ''): string | undefined {
  if (command.includes('/')) return isExecutable(command) ? command : undefined;
  for (const dir of path.split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, command);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/** Why `command` cannot be run, for the line that stops a start. */
export const notExecutable = (command: string): string => `${command} is not an executable file${command.includes('/') ? '' : ' on PATH'}`;
