// What a fuzzed WebSocket client sends: valid and mutated messages (whole or fragmented), pings and
// pongs, frames that break RFC 6455, close frames with random codes, and bursts past the message
// rate; with, for each sequence, the outcome the server documents for it.
import fc from 'fast-check';
import { frame } from '../helpers/raw-ws.js';

/**
 * One step of a client. `counted` is how many frames the server's rate bound counts (a message, a
 * ping or a pong is one, however many fragments); `messages` how many replies the server owes; `closes`
 * the close code the server answers with, if the step ends the socket (null: a close frame without a
 * code, as the echo of an empty one).
 */
export interface Action {
  readonly name: string;
  readonly bytes: Buffer;
  readonly counted: number;
  readonly messages: number;
  readonly closes?: number | null;
}

export type Surface = 'documents' | 'organizer';

/** Frames the server takes in a second, with a burst of as many (CAPSTAN_REALTIME_WS_MAX_MESSAGES_PER_SECOND). */
export const RATE = 50;

const KIB = 1024;

const payloadOf = (surface: Surface): fc.Arbitrary<Buffer> => {
  const valid = surface === 'documents'
    ? fc.record({ action: fc.constantFrom('subscribe', 'unsubscribe'), document_ids: fc.array(fc.constantFrom('doc_nope', 'doc_AAAAAAAAAAAAAAAAAAAA', 'bad id!', ''), { maxLength: 3 }) })
    : fc.constant({ type: 'ping' });
  return fc.oneof(
    { weight: 4, arbitrary: valid.map((v) => Buffer.from(JSON.stringify(v))) },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => Buffer.from(JSON.stringify(v) ?? 'null')) },
    { weight: 1, arbitrary: fc.constantFrom('', '{', '{"type":', 'null', '[]', '{"action":"subscribe","document_ids":' + JSON.stringify(Array.from({ length: 101 }, (_, i) => `doc_${i}`)) + '}').map((s) => Buffer.from(s)) },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }).map((s) => Buffer.from(s)) },
  );
};

/** A message in 2–4 fragments, maybe with a ping between two of them (control frames may interleave). */
function fragmented(opcode: number, payload: Buffer, cuts: number[], pingAt: number | null): { bytes: Buffer; pings: number } {
  const points = [...new Set(cuts.map((c) => Math.min(payload.length, c)))].sort((a, b) => a - b);
  const pieces: Buffer[] = [];
  let at = 0;
  for (const p of [...points, payload.length]) {
    pieces.push(payload.subarray(at, p));
    at = p;
  }
  const frames: Buffer[] = [];
  pieces.forEach((piece, i) => {
    frames.push(frame(i === 0 ? opcode : 0x0, piece, { fin: i === pieces.length - 1 }));
    if (pingAt === i && i < pieces.length - 1) frames.push(frame(0x9, Buffer.from('mid')));
  });
  return { bytes: Buffer.concat(frames), pings: pingAt !== null && pingAt < pieces.length - 1 ? 1 : 0 };
}

const closePayload = (code: number, reason: Buffer): Buffer => {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(code);
  return Buffer.concat([b, reason]);
};

const isValidCloseCode = (code: number) => (code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) || (code >= 3000 && code <= 4999);

function actions(surface: Surface): fc.Arbitrary<Action> {
  const message: fc.Arbitrary<Action> = fc.record({ binary: fc.boolean(), payload: payloadOf(surface), split: fc.option(fc.tuple(fc.array(fc.nat({ max: 200 }), { minLength: 1, maxLength: 3 }), fc.option(fc.nat({ max: 3 }))), { freq: 3 }) }).map(({ binary, payload, split }) => {
    const opcode = binary ? 0x2 : 0x1;
    if (split === null) return { name: `${binary ? 'binary' : 'text'} message`, bytes: frame(opcode, payload), counted: 1, messages: 1 };
    const { bytes, pings } = fragmented(opcode, payload, split[0], split[1]);
    return { name: `fragmented ${binary ? 'binary' : 'text'} message${pings ? ' with a ping inside' : ''}`, bytes, counted: 1 + pings, messages: 1 };
  });
  const control: fc.Arbitrary<Action> = fc.tuple(fc.constantFrom(0x9, 0xa), fc.uint8Array({ maxLength: 125 })).map(([op, p]) => ({ name: op === 0x9 ? 'ping' : 'pong', bytes: frame(op, Buffer.from(p)), counted: 1, messages: 0 }));
  const bad: fc.Arbitrary<Action> = fc.oneof(
    fc.constantFrom(64 * KIB + 1, 100 * KIB).map((n) => ({ name: `a ${n} byte frame`, bytes: frame(0x2, Buffer.alloc(n, 0x61)), counted: 0, messages: 0, closes: 1009 })),
    fc.constant({ name: 'a message over 64 KiB in two fragments', bytes: Buffer.concat([frame(0x1, Buffer.alloc(40 * KIB, 0x61), { fin: false }), frame(0x0, Buffer.alloc(40 * KIB, 0x61))]), counted: 0, messages: 0, closes: 1009 }),
    fc.constantFrom([0x7b, 0xc3, 0x28, 0x7d], [0xff], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80]).map((b) => ({ name: 'invalid UTF-8 text', bytes: frame(0x1, Buffer.from(b)), counted: 0, messages: 0, closes: 1007 })),
    fc.constant({ name: 'invalid UTF-8 split across fragments', bytes: Buffer.concat([frame(0x1, Buffer.from([0x61, 0xe2]), { fin: false }), frame(0x0, Buffer.from([0x28, 0xa1]))]), counted: 0, messages: 0, closes: 1007 }),
    fc.constantFrom(0x3, 0x4, 0x5, 0x6, 0x7, 0xb, 0xc, 0xd, 0xe, 0xf).map((op) => ({ name: `reserved opcode ${op}`, bytes: frame(op, Buffer.from('x')), counted: 0, messages: 0, closes: 1002 })),
    fc.constant({ name: 'an unmasked frame', bytes: frame(0x1, Buffer.from('{"type":"ping"}'), { mask: false }), counted: 0, messages: 0, closes: 1002 }),
    fc.integer({ min: 1, max: 7 }).map((rsv) => ({ name: `reserved bits ${rsv}`, bytes: frame(0x1, Buffer.from('{}'), { rsv }), counted: 0, messages: 0, closes: 1002 })),
    fc.constant({ name: 'a fragmented ping', bytes: frame(0x9, Buffer.alloc(0), { fin: false }), counted: 0, messages: 0, closes: 1002 }),
    fc.constant({ name: 'a 126 byte ping', bytes: frame(0x9, Buffer.alloc(126)), counted: 0, messages: 0, closes: 1002 }),
    fc.constant({ name: 'a continuation with no message', bytes: frame(0x0, Buffer.from('x')), counted: 0, messages: 0, closes: 1002 }),
    fc.constant({ name: 'a new message inside a fragmented one', bytes: Buffer.concat([frame(0x1, Buffer.from('{"a"'), { fin: false }), frame(0x1, Buffer.from('{}'))]), counted: 0, messages: 0, closes: 1002 }),
  );
  const close: fc.Arbitrary<Action> = fc.oneof(
    fc.tuple(fc.oneof(fc.constantFrom(0, 999, 1000, 1001, 1003, 1004, 1005, 1006, 1007, 1011, 1012, 1014, 1015, 1016, 2999, 3000, 4000, 4401, 4999, 5000, 65535), fc.integer({ min: 0, max: 65535 })), fc.constantFrom('', 'bye', 'ünï')).map(([code, reason]) => ({
      name: `close ${code}`,
      bytes: frame(0x8, closePayload(code, Buffer.from(reason))),
      counted: 0,
      messages: 0,
      closes: isValidCloseCode(code) ? code : 1002,
    })),
    fc.constant({ name: 'close without a code', bytes: frame(0x8, Buffer.alloc(0)), counted: 0, messages: 0, closes: null }),
    fc.constant({ name: 'close with a one-byte payload', bytes: frame(0x8, Buffer.from([0x03])), counted: 0, messages: 0, closes: 1002 }),
    fc.constant({ name: 'close with an invalid UTF-8 reason', bytes: frame(0x8, closePayload(1000, Buffer.from([0xff, 0xfe]))), counted: 0, messages: 0, closes: 1007 }),
  );
  // Past the rate bound by a margin, so that the refill during the burst cannot decide the outcome.
  const burst: fc.Arbitrary<Action> = fc.integer({ min: 80, max: 150 }).map((n) => ({
    name: `a burst of ${n} pings`,
    bytes: Buffer.concat(Array.from({ length: n }, () => frame(0x9, Buffer.alloc(0)))),
    counted: n,
    messages: 0,
  }));
  return fc.oneof({ weight: 10, arbitrary: message }, { weight: 3, arbitrary: control }, { weight: 3, arbitrary: bad }, { weight: 2, arbitrary: close }, { weight: 1, arbitrary: burst });
}

export interface Script {
  readonly surface: Surface;
  readonly actions: readonly Action[];
  /** Whether the handshake itself is mutated, and how. */
  readonly handshake: Handshake;
}

export type Handshake = 'standard' | 'post' | 'version-8' | 'no-key' | 'bad-key' | 'no-upgrade' | 'no-token' | 'bad-token' | 'other-tenant' | 'deflate-offered' | 'bad-client-id';

export const scripts: fc.Arbitrary<Script> = fc.constantFrom<Surface>('documents', 'organizer').chain((surface) =>
  fc.record({
    surface: fc.constant(surface),
    actions: fc.array(actions(surface), { minLength: 1, maxLength: 6 }),
    handshake: fc.oneof(
      { weight: 12, arbitrary: fc.constant<Handshake>('standard') },
      { weight: 2, arbitrary: fc.constantFrom<Handshake>('post', 'version-8', 'no-key', 'bad-key', 'no-upgrade', 'no-token', 'bad-token', 'other-tenant', 'deflate-offered', 'bad-client-id') },
    ),
  }),
);

/**
 * What the server must do with `actions` sent back to back: close with a code (the first closing
 * step's, or 1008 once the frames before it exceed the rate bound), or keep the socket and owe
 * `replies` messages. Past the bound with replies still owed, the 1008 waits for them; a later step
 * that breaks the protocol meanwhile fails the socket at once with its own code (RFC 6455 §7.1.7),
 * so either code is right then (`alsoCloses`).
 */
export function expectedOutcome(actions: readonly Action[]): { readonly closes: number | null | undefined; readonly alsoCloses?: number | null; readonly replies: number } {
  let counted = 0;
  let replies = 0;
  for (const [i, a] of actions.entries()) {
    counted += a.counted;
    if (counted > RATE) {
      const later = replies > 0 ? actions.slice(i + 1).find((next) => next.closes !== undefined) : undefined;
      return later ? { closes: 1008, alsoCloses: later.closes, replies: -1 } : { closes: 1008, replies: -1 };
    }
    if (a.closes !== undefined) return { closes: a.closes, replies: -1 };
    replies += a.messages;
  }
  return { closes: undefined, replies };
}
