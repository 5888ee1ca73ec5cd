// The local store's file-system errors that say the disk, not the request, is at fault: full, over
// quota, turned read-only, failing, a folder this process may not write (the data directory's owner
// or mode changed), or a folder turned into a file. Like an S3 bucket that does not answer, that is
// the file store unavailable (a request answers 503 and may be retried; a workflow stage waits), not
// a bug (500).
import { DependencyUnavailable } from '../util/dependency-unavailable.js';

/** Each such error, and what the answer says of the store (an operator reading a client's report should know which). */
const DISK_UNAVAILABLE: Readonly<Record<string, string>> = {
  ENOSPC: 'cannot take writes right now: its disk is full',
  EDQUOT: 'cannot take writes right now: its disk quota is used up',
  EROFS: 'cannot take writes right now: its disk is read-only',
  EIO: 'cannot read or write its disk right now',
  EACCES: 'cannot read or write its folder right now',
  ENOTDIR: 'cannot read or write its folder right now',
};

export function fromLocalError(error: unknown): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  const state = typeof code === 'string' && Object.hasOwn(DISK_UNAVAILABLE, code) ? DISK_UNAVAILABLE[code] : undefined;
  return state === undefined ? error : new DependencyUnavailable('the file store', { cause: error, state });
}

export async function localCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    throw fromLocalError(e);
  }
}
