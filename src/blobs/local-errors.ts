// The local store's file-system errors that say the disk, not the request, is at fault: full, over
// quota, turned read-only, failing, a folder this process may not write (the data directory's owner
// or mode changed), or a folder turned into a file. Like an S3 bucket that does not answer, that is
// the file store unavailable (a request answers 503 and may be retried; a workflow stage waits), not
// a bug (500).
import { DependencyUnavailable } from '../util/dependency-unavailable.js';

const DISK_UNAVAILABLE: ReadonlySet<string> = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EIO', 'EACCES', 'ENOTDIR']);

export function fromLocalError(error: unknown): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && DISK_UNAVAILABLE.has(code) ? new DependencyUnavailable('the file store', { cause: error }) : error;
}

export async function localCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    throw fromLocalError(e);
  }
}
