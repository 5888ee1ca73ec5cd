// The cursor a stream resumes from (Last-Event-ID, or the query parameter a surface takes instead).
// Ids are UUIDv7s, which RFC 9562 reads case-insensitively; the log stores and compares them in lower
// case, so a cursor in capitals is taken as the same id (compared as given, it sorted before every
// stored id and replayed events the client already had).
import { AppError } from '../http/errors.js';
import type { EventLog } from '../events/index.js';
import { isUuidV7 } from '../util/ids.js';

/** A cursor as the request gave it, and where: the refusal names what the client actually sent. */
export interface GivenCursor {
  readonly value: string | undefined;
  /** `Last-Event-ID`, or the query parameter's name. */
  readonly from: string;
  /** The cursor the request also gave and that lost to this one: not used, but still checked. */
  readonly overridden?: Omit<GivenCursor, 'overridden'>;
}

/** The Last-Event-ID header unless it is missing or empty, else the query parameter `name`. */
export function headerFirst(header: string | string[] | undefined, name: string, value: string | undefined): GivenCursor {
  return typeof header === 'string' && header !== '' ? { value: header, from: 'Last-Event-ID', overridden: { value, from: name } } : { value, from: name };
}

/**
 * The cursor as the log compares it, or undefined without one; a malformed or future one is 400
 * invalid_cursor, naming the header or parameter it came in. An empty one is none, in a query
 * parameter as in the header: an EventSource's lastEventId is '' until its first event, and a client
 * that copies it into the URL sends `last_event_id=`. A cursor the header overrode is not used, but a
 * malformed one is refused all the same: bad input is never passed over in silence.
 */
export async function resumeCursor(log: Pick<EventLog, 'checkCursor'>, given: GivenCursor): Promise<string | undefined> {
  const { value, from, overridden } = given;
  if (overridden?.value !== undefined && overridden.value !== '' && !isUuidV7(overridden.value)) throw new AppError('invalid_cursor', `${overridden.from} must be a UUIDv7`);
  if (value === undefined || value === '') return undefined;
  if (!isUuidV7(value)) throw new AppError('invalid_cursor', `${from} must be a UUIDv7`);
  const cursor = value.toLowerCase();
  if ((await log.checkCursor(cursor)) === 'future') throw new AppError('invalid_cursor', `${from} is from the future`);
  return cursor;
}
