// The cursor a stream resumes from (Last-Event-ID, or the query parameter a surface takes instead).
// Ids are UUIDv7s, which RFC 9562 reads case-insensitively; the log stores and compares them in lower
// case, so a cursor in capitals is taken as the same id (compared as given, it sorted before every
// stored id and replayed events the client already had).
import { AppError } from '../http/errors.js';
import type { EventLog } from '../events/index.js';
import { isUuidV7 } from '../util/ids.js';

/**
 * The cursor as the log compares it, or undefined without one; a malformed or future one is 400
 * invalid_cursor. An empty one is none, in a query parameter as in the header: an EventSource's
 * lastEventId is '' until its first event, and a client that copies it into the URL sends `last_event_id=`.
 */
export async function resumeCursor(log: Pick<EventLog, 'checkCursor'>, given: string | undefined): Promise<string | undefined> {
  if (given === undefined || given === '') return undefined;
  if (!isUuidV7(given)) throw new AppError('invalid_cursor');
  const cursor = given.toLowerCase();
  if ((await log.checkCursor(cursor)) === 'future') throw new AppError('invalid_cursor', 'Last-Event-ID is from the future');
  return cursor;
}
