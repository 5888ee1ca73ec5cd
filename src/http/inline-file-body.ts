// A JSON body that carries a file as a base64 string field (POST /upload's file_base64), read as it
// arrives. The field's base64 is checked and decoded chunk by chunk into the file's bytes, and only
// the rest of the body, a few short fields with the file's value left empty, goes through the JSON
// parser of every other route (json-body.ts). Parsed whole, a 20 MB file's 27 MB of JSON held the
// event loop for 0.3–1 s (parsing, taking out line breaks, checking, decoding), and with it every
// stream and request of the node.
//
// Only the plain form streams: a top-level object whose file field is one string of base64 letters,
// `=` padding at its end, and whitespace (raw spaces, or \r \n \t escapes, as a wrapped base64 is
// escaped in JSON) or `\/` between them. Anything else the reader does not follow (another escape, a
// second file field, a syntax error, a body that is no object) is parsed whole as before, so every
// refusal is the one any JSON route gives.
import type { Readable } from 'node:stream';
import { errorCodes, type FastifyInstance } from 'fastify';
import { AppError } from './errors.js';
import { parseJsonBody, refusedEncoding } from './json-body.js';

export interface InlineFile {
  readonly bytes: Buffer;
  /** Decoded as the body arrived (false: the body was parsed whole, its form being one the reader does not follow). */
  readonly streamed: boolean;
}

/** Parsed bodies whose file field was decoded: the field itself holds "" there. */
const inlineFiles = new WeakMap<object, InlineFile>();

/** The file a body's `field` carried, decoded; undefined where the body has no such string field. */
export function inlineFileOf(body: unknown): InlineFile | undefined {
  return typeof body === 'object' && body !== null ? inlineFiles.get(body) : undefined;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Strict base64: whitespace is ignored, anything else that is not base64 is refused, naming `field`. */
export function decodeBase64(value: string, field: string): Buffer {
  // A copy of a 27 MB string only when there is whitespace to take out.
  const compact = /\s/.test(value) ? value.replace(/\s+/g, '') : value;
  if (compact.length % 4 !== 0 || !BASE64.test(compact)) throw new AppError('invalid_request', `${field} is not valid base64`);
  return Buffer.from(compact, 'base64');
}

/**
 * Replaces the application/json parser of `app`'s scope with one that decodes `field` as the body
 * arrives. The route reads the file with `inlineFileOf(req.body)`.
 */
export function useInlineFileJson(app: FastifyInstance, field: string): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', (req, payload, done) => {
    const refusal = refusedEncoding(req);
    if (refusal) return void done(refusal, undefined);
    const limit = req.routeOptions.bodyLimit;
    const declared = Number(req.headers['content-length']);
    if (declared > limit) return void done(new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE(), undefined);
    readInlineFile(payload, field, limit).then(
      (read) => {
        if (!Number.isNaN(declared) && read.received !== declared) return void done(new errorCodes.FST_ERR_CTP_INVALID_CONTENT_LENGTH(), undefined);
        parseJsonBody(req, read.json, parse, (err, value) => {
          if (err) return void done(err, undefined);
          try {
            done(null, withFile(value, field, read.file));
          } catch (e) {
            done(e as Error, undefined);
          }
        });
      },
      (e: unknown) => done(e as Error, undefined),
    );
  });
}

/** The parsed body, its file field emptied and its file kept aside (decoded now if the reader did not follow). */
function withFile(value: unknown, field: string, streamed: Buffer | undefined): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const body = value as Record<string, unknown>;
  const text = body[field];
  if (typeof text !== 'string') return value;
  const file: InlineFile = streamed !== undefined ? { bytes: streamed, streamed: true } : { bytes: decodeBase64(text, field), streamed: false };
  body[field] = '';
  inlineFiles.set(body, file);
  return body;
}

interface ReadBody {
  /** The body's JSON: with the file field emptied where the file was decoded, the whole body otherwise. */
  readonly json: Buffer;
  /** The decoded file, when the reader followed the body to its end. */
  readonly file: Buffer | undefined;
  readonly received: number;
}

function readInlineFile(payload: Readable, field: string, limit: number): Promise<ReadBody> {
  return new Promise((resolve, reject) => {
    const reader = new InlineFileReader(Buffer.from(field));
    const onData = (chunk: Buffer | string) => {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      if (reader.received + bytes.length > limit) {
        stop();
        reject(new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE());
        return;
      }
      reader.push(bytes);
    };
    const onEnd = () => {
      stop();
      resolve(reader.end());
    };
    const onError = (e: Error & { statusCode?: number }) => {
      stop();
      if (!(typeof e.statusCode === 'number' && e.statusCode >= 400)) e.statusCode = 400;
      reject(e);
    };
    const stop = () => {
      payload.off('data', onData);
      payload.off('end', onEnd);
      payload.off('error', onError);
    };
    payload.on('data', onData);
    payload.on('end', onEnd);
    payload.on('error', onError);
    payload.resume();
  });
}

const enum State {
  /** Before the body's `{`. */
  Start,
  /** After `{`: a key, or the end. */
  FirstKey,
  /** After a member's `,`: a key. */
  Key,
  /** Inside a key. */
  KeyText,
  /** After a key: its `:`. */
  Colon,
  /** After `:`: a value. */
  Value,
  /** Inside the file's string. */
  File,
  /** Inside another value: its bytes are copied as they are. */
  Other,
  /** After a value: `,` or `}`. */
  Next,
  /** After the body's `}`. */
  Done,
  /** The reader does not follow this body: it is kept whole and parsed whole. */
  Whole,
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const isSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;

/** Base64 letters of the file kept until there are enough to decode at once. */
const STAGE_BYTES = 64 * 1024;

/** The state machine of `readInlineFile`, fed the body's bytes as they come. */
export class InlineFileReader {
  received = 0;
  private state = State.Start;
  /** Every chunk: the body is parsed whole if the reader stops following it, up to its last byte. */
  private chunks: Buffer[] = [];
  /** The body without the file's letters. */
  private json: Buffer[] = [];
  /** How many bytes of the key so far match the field's name (-1: none can). */
  private keyLength = 0;
  private isFileKey = false;
  private seenFile = false;
  /** Inside an Other value: bracket depth, in a string, after a backslash. */
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** Inside the file: after a backslash; `=` seen; letters so far. */
  private fileEscape = false;
  private padding = 0;
  private letters = 0;
  // Room for the two `=` that may follow a full stage.
  private stage = Buffer.allocUnsafe(STAGE_BYTES + 2);
  private staged = 0;
  private decoded: Buffer[] = [];

  constructor(private readonly field: Buffer) {}

  push(chunk: Buffer): void {
    this.received += chunk.length;
    this.chunks.push(chunk);
    if (this.state === State.Whole) return;
    // Where the bytes to copy into the JSON start in this chunk (-1: inside the file's letters).
    let from = this.state === State.File ? -1 : 0;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i]!;
      switch (this.state) {
        case State.Start:
          if (c === 0x7b) this.state = State.FirstKey;
          else if (!isSpace(c)) return this.whole();
          break;
        case State.FirstKey:
        case State.Key:
          if (c === QUOTE) {
            this.state = State.KeyText;
            this.keyLength = 0;
          } else if (c === 0x7d && this.state === State.FirstKey) this.state = State.Done;
          else if (!isSpace(c)) return this.whole();
          break;
        case State.KeyText:
          if (c === QUOTE) {
            this.isFileKey = this.keyLength === this.field.length;
            this.state = State.Colon;
          } else if (c === BACKSLASH || c < 0x20) return this.whole();
          // Only a key that could still be the field's is looked at, a byte at a time: a longer one
          // (however long, up to the body limit) costs nothing more.
          else if (this.keyLength >= 0) this.keyLength = this.keyLength < this.field.length && this.field[this.keyLength] === c ? this.keyLength + 1 : -1;
          break;
        case State.Colon:
          if (c === 0x3a) this.state = State.Value;
          else if (!isSpace(c)) return this.whole();
          break;
        case State.Value:
          if (isSpace(c)) break;
          if (this.isFileKey && c === QUOTE) {
            if (this.seenFile) return this.whole();
            this.seenFile = true;
            this.state = State.File;
            // The JSON keeps the opening quote; the letters are left out up to the closing one.
            this.json.push(chunk.subarray(from, i + 1));
            from = -1;
          } else {
            this.state = State.Other;
            this.depth = 0;
            this.inString = false;
            this.escaped = false;
            i = this.other(chunk, i) - 1;
          }
          break;
        case State.Other:
          i = this.other(chunk, i) - 1;
          break;
        case State.File: {
          // Most bytes are letters: taken in a loop of their own, the rest one by one.
          const end = this.padding === 0 && !this.fileEscape ? this.stageLetters(chunk, i) : i;
          if (end > i) {
            i = end - 1;
            break;
          }
          if (!this.file(c)) return this.whole();
          if (this.state !== State.File) from = i;
          break;
        }
        case State.Next:
          if (c === 0x2c) this.state = State.Key;
          else if (c === 0x7d) this.state = State.Done;
          else if (!isSpace(c)) return this.whole();
          break;
        case State.Done:
          if (!isSpace(c)) return this.whole();
          break;
      }
    }
    if (from >= 0) this.json.push(chunk.subarray(from));
  }

  /** What was read: the body to parse, and the file where the reader followed the body to its end. */
  end(): ReadBody {
    if (this.state !== State.Done || !this.seenFile) return { json: Buffer.concat(this.chunks), file: undefined, received: this.received };
    return { json: Buffer.concat(this.json), file: Buffer.concat(this.decoded), received: this.received };
  }

  private whole(): void {
    this.state = State.Whole;
    this.json = [];
    this.decoded = [];
  }

  /** Copies an Other value from `i`; returns where the loop goes on (the value's end, or the chunk's). */
  private other(chunk: Buffer, i: number): number {
    for (; i < chunk.length; i++) {
      const c = chunk[i]!;
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === BACKSLASH) this.escaped = true;
        else if (c === QUOTE) {
          this.inString = false;
          if (this.depth === 0) {
            this.state = State.Next;
            return i + 1;
          }
        }
      } else if (c === QUOTE) this.inString = true;
      else if (c === 0x7b || c === 0x5b) this.depth++;
      else if (c === 0x7d || c === 0x5d) {
        if (this.depth === 0) {
          // The object's end after a bare value (a number, true…): the member is done.
          this.state = State.Done;
          return i + 1;
        }
        if (--this.depth === 0) {
          this.state = State.Next;
          return i + 1;
        }
      } else if (this.depth === 0 && c === 0x2c) {
        this.state = State.Key;
        return i + 1;
      } else if (this.depth === 0 && isSpace(c)) {
        this.state = State.Next;
        return i + 1;
      }
    }
    return i;
  }

  /** One byte of the file's string; false where the reader does not follow it. */
  private file(c: number): boolean {
    if (this.fileEscape) {
      this.fileEscape = false;
      // \r \n \t are the line breaks of wrapped base64; \/ is a slash.
      if (c === 0x72 || c === 0x6e || c === 0x74) return true;
      if (c === 0x2f) return this.letter(c);
      return false;
    }
    if (c === BACKSLASH) {
      this.fileEscape = true;
      return true;
    }
    if (c === QUOTE) {
      if ((this.letters + this.padding) % 4 !== 0) return false;
      this.flush(true);
      this.state = State.Next;
      return true;
    }
    if (c === 0x20) return true;
    if (c === 0x3d) {
      if (++this.padding > 2) return false;
      this.stage[this.staged++] = c;
      return true;
    }
    const letter = (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2f;
    return letter && this.letter(c);
  }

  /** Stages the run of letters from `i`; returns where it ends. */
  private stageLetters(chunk: Buffer, i: number): number {
    const stage = this.stage;
    let staged = this.staged;
    const start = i;
    for (; i < chunk.length; i++) {
      const c = chunk[i]!;
      if (!((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2f)) break;
      stage[staged++] = c;
      if (staged === STAGE_BYTES) {
        this.staged = staged;
        this.flush(false);
        staged = this.staged;
      }
    }
    this.staged = staged;
    this.letters += i - start;
    return i;
  }

  private letter(c: number): boolean {
    if (this.padding > 0) return false;
    this.stage[this.staged++] = c;
    this.letters++;
    if (this.staged === STAGE_BYTES) this.flush(false);
    return true;
  }

  /** Decodes the staged letters, all of them at the end, else whole groups of four. */
  private flush(last: boolean): void {
    const n = last ? this.staged : this.staged - (this.staged % 4);
    if (n > 0) this.decoded.push(Buffer.from(this.stage.toString('latin1', 0, n), 'base64'));
    this.stage.copy(this.stage, 0, n, this.staged);
    this.staged -= n;
  }
}
