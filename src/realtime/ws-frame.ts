// Server-to-client WebSocket frames are never masked, so one event's frame is the same bytes for
// every connection: it is built once per payload and written to each socket as it is.

const frames = new WeakMap<Buffer, Buffer>();

/** A final, unfragmented text frame (RFC 6455 §5.2) holding `payload`. */
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

/** The frame for a payload shared by many connections (a cached event frame), built once. */
export function sharedTextFrame(payload: Buffer): Buffer {
  let frame = frames.get(payload);
  if (frame === undefined) frames.set(payload, (frame = textFrame(payload)));
  return frame;
}
