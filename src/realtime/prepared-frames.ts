// Wire framing done once per payload. A server's WebSocket frames are never masked and an HTTP chunk
// is just a length line around the bytes, so a frame built for one connection is the same bytes for
// every other: the shared variants build it once per payload buffer and hand out the same Buffer.

/** Caches `build` per payload buffer (event frames and joined batches are shared by many connections). */
function perPayload(build: (payload: Buffer) => Buffer): (payload: Buffer) => Buffer {
  const built = new WeakMap<Buffer, Buffer>();
  return (payload) => {
    let out = built.get(payload);
    if (out === undefined) built.set(payload, (out = build(payload)));
    return out;
  };
}

/** A final, unfragmented WebSocket text frame (RFC 6455 §5.2) holding `payload`. */
export function textFrame(payload: Buffer): Buffer {
  const n = payload.length;
  const head = n < 126 ? 2 : n < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(head + n);
  frame[0] = 0x81;
  if (head === 2) frame[1] = n;
  else if (head === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(n, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(n), 2);
  }
  payload.copy(frame, head);
  return frame;
}

export const sharedTextFrame = perPayload(textFrame);

/** One chunk of an HTTP/1.1 chunked body (RFC 9112 §7.1): hex length, CRLF, the bytes, CRLF. */
export function httpChunk(payload: Buffer): Buffer {
  const head = `${payload.length.toString(16)}\r\n`;
  const chunk = Buffer.allocUnsafe(head.length + payload.length + 2);
  chunk.write(head, 0, 'latin1');
  payload.copy(chunk, head.length);
  chunk.write('\r\n', head.length + payload.length, 'latin1');
  return chunk;
}

export const sharedHttpChunk = perPayload(httpChunk);
