// The contentType a video upload sends with initiate, checked before the video is created: the server
// takes only a video/* or audio/* media type (src/videos/content-type.ts, the same pattern), and a
// type it refuses after create would leave an empty video behind in the app's list and usage.
import { CapstanError } from './errors.js';

// RFC 9110 tokens, plus the comma a browser leaves unquoted in `codecs=vp9,opus`.
const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
const VALUE = "[!#$%&'*+.^_`|~0-9A-Za-z,-]+";
const QUOTED = '"(?:[^"\\\\\\x00-\\x08\\x0a-\\x1f\\x7f]|\\\\[\\x09\\x20-\\x7e])*"';
const MEDIA_TYPE = new RegExp(`^[ \\t]*(${TOKEN})/(${TOKEN})((?:[ \\t]*;[ \\t]*(?:${TOKEN}=(?:${VALUE}|${QUOTED}))?)*)[ \\t]*$`);
const ACCEPTED_TYPES = new Set(['video', 'audio']);
/** The longest contentType initiate's body takes. */
const MAX_LENGTH = 255;

/**
 * The error initiate would answer for this contentType (`400 invalid_request`, the server's own
 * message), or undefined when the server takes it.
 */
export function contentTypeRefusal(raw: unknown): CapstanError | undefined {
  const refuse = (message: string) => new CapstanError({ status: 400, code: 'invalid_request', message });
  if (typeof raw !== 'string') return refuse('body.contentType must be string');
  // Counted in characters, as the server's schema counts them, not in UTF-16 units.
  if ([...raw].length > MAX_LENGTH) return refuse(`body.contentType must NOT have more than ${MAX_LENGTH} characters`);
  const m = MEDIA_TYPE.exec(raw);
  if (!m) return refuse('contentType must be a media type such as video/webm or video/webm;codecs=vp9,opus');
  const type = (m[1] ?? '').toLowerCase();
  if (!ACCEPTED_TYPES.has(type)) return refuse(`contentType must be a video/* or audio/* type, not ${type}/*`);
  return undefined;
}
