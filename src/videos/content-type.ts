// The contentType a recorder sends with initiate: a MIME type with or without parameters, as
// MediaRecorder's blob.type gives it (`video/webm;codecs=vp9,opus`). Only video and audio types are
// taken; what the file really is, the probe finds out from its bytes.
// The SDK checks the same rule before it creates a video (packages/client/src/content-type.ts), so a
// change here goes there too: test/client/videos.test.ts holds the two to the same answers.
import { AppError } from '../http/errors.js';

export interface ContentType {
  /** `video/webm`: type and subtype, lower-cased. */
  readonly base: string;
  /** `codecs=vp9,opus`: the parameters, names lower-cased, values as sent; null when there are none. */
  readonly params: string | null;
}

// RFC 9110 tokens, plus the comma a browser leaves unquoted in `codecs=vp9,opus`.
const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
const VALUE = "[!#$%&'*+.^_`|~0-9A-Za-z,-]+";
const QUOTED = '"(?:[^"\\\\\\x00-\\x08\\x0a-\\x1f\\x7f]|\\\\[\\x09\\x20-\\x7e])*"';
const PARAM = `(${TOKEN})=(${VALUE}|${QUOTED})`;
const MEDIA_TYPE = new RegExp(`^[ \\t]*(${TOKEN})/(${TOKEN})((?:[ \\t]*;[ \\t]*(?:${TOKEN}=(?:${VALUE}|${QUOTED}))?)*)[ \\t]*$`);
const ACCEPTED_TYPES = new Set(['video', 'audio']);

/** Throws `400 invalid_request` for anything that is not a video/* or audio/* media type. */
export function parseContentType(raw: string): ContentType {
  const m = MEDIA_TYPE.exec(raw);
  if (!m) throw new AppError('invalid_request', 'contentType must be a media type such as video/webm or video/webm;codecs=vp9,opus');
  const type = m[1]!.toLowerCase();
  if (!ACCEPTED_TYPES.has(type)) throw new AppError('invalid_request', `contentType must be a video/* or audio/* type, not ${type}/*`);
  const params = [...(m[3] ?? '').matchAll(new RegExp(PARAM, 'g'))].map(([, name, value]) => `${name!.toLowerCase()}=${value!}`);
  return { base: `${type}/${m[2]!.toLowerCase()}`, params: params.length === 0 ? null : params.join('; ') };
}
