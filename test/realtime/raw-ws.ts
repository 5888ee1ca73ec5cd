// A WebSocket client over a plain TCP socket, for frames `ws` refuses to send: the handshake by
// hand, crafted frames out, and the server's frames (its close code above all) read back.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import net from 'node:net';

export interface ServerFrame {
  readonly opcode: number;
  readonly payload: Buffer;
}

export interface RawWs {
  readonly socket: net.Socket;
  /** Frames the server sent so far. */
  readonly frames: ServerFrame[];
  send(bytes: Buffer): void;
  /** Resolves when the TCP connection has closed, with the code of the server's close frame (if any). */
  readonly closed: Promise<{ code: number | undefined; reason: string }>;
}

export interface FrameOptions {
  readonly fin?: boolean;
  /** The three reserved bits, 0-7. */
  readonly rsv?: number;
  readonly mask?: boolean;
}

/** One client frame; masked, as a client must, unless told otherwise. */
export function frame(opcode: number, payload: Buffer, { fin = true, rsv = 0, mask = true }: FrameOptions = {}): Buffer {
  const head = [(fin ? 0x80 : 0) | (rsv << 4) | opcode];
  const m = mask ? 0x80 : 0;
  let ext = Buffer.alloc(0);
  if (payload.length < 126) head.push(m | payload.length);
  else if (payload.length < 65_536) {
    head.push(m | 126);
    ext = Buffer.alloc(2);
    ext.writeUInt16BE(payload.length);
  } else {
    head.push(m | 127);
    ext = Buffer.alloc(8);
    ext.writeBigUInt64BE(BigInt(payload.length));
  }
  if (!mask) return Buffer.concat([Buffer.from(head), ext, payload]);
  const key = randomBytes(4);
  const masked = Buffer.allocUnsafe(payload.length);
  for (let i = 0; i < payload.length; i++) masked[i] = payload[i]! ^ key[i & 3]!;
  return Buffer.concat([Buffer.from(head), ext, key, masked]);
}

export const textFrame = (text: string | Buffer, options?: FrameOptions): Buffer => frame(0x1, Buffer.from(text), options);

/** Opens `url` (ws://host:port/path?query) and completes the upgrade; rejects unless the answer is 101. */
export async function rawWs(url: string): Promise<RawWs> {
  const u = new URL(url);
  const socket = net.connect(Number(u.port), u.hostname);
  socket.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  socket.write(
    `GET ${u.pathname}${u.search} HTTP/1.1\r\nHost: ${u.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  const frames: ServerFrame[] = [];
  let buffer = Buffer.alloc(0);
  let upgraded = false;
  let closeCode: number | undefined;
  let closeReason = '';
  const closed = new Promise<{ code: number | undefined; reason: string }>((resolve) => socket.once('close', () => resolve({ code: closeCode, reason: closeReason })));
  const handshake = new Promise<void>((resolve, reject) => {
    socket.once('close', () => reject(new Error(`closed before the upgrade: ${buffer.toString()}`)));
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (!upgraded) {
        const end = buffer.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buffer.subarray(0, end).toString();
        buffer = buffer.subarray(end + 4);
        if (!head.startsWith('HTTP/1.1 101')) return reject(new Error(`upgrade refused: ${head.split('\r\n')[0]}`));
        upgraded = true;
        resolve();
      }
      for (;;) {
        const parsed = parseFrame(buffer);
        if (!parsed) break;
        buffer = buffer.subarray(parsed.size);
        frames.push(parsed.frame);
        if (parsed.frame.opcode === 0x8 && closeCode === undefined) {
          closeCode = parsed.frame.payload.length >= 2 ? parsed.frame.payload.readUInt16BE(0) : undefined;
          closeReason = parsed.frame.payload.subarray(2).toString();
        }
      }
    });
  });
  await handshake;
  return {
    socket,
    frames,
    send: (bytes) => {
      if (socket.writable) socket.write(bytes);
    },
    closed,
  };
}

function parseFrame(buf: Buffer): { frame: ServerFrame; size: number } | undefined {
  if (buf.length < 2) return undefined;
  assert.equal(buf[1]! & 0x80, 0, 'a server frame is never masked');
  let length = buf[1]! & 0x7f;
  let offset = 2;
  if (length === 126) {
    if (buf.length < 4) return undefined;
    length = buf.readUInt16BE(2);
    offset = 4;
  } else if (length === 127) {
    if (buf.length < 10) return undefined;
    length = Number(buf.readBigUInt64BE(2));
    offset = 10;
  }
  if (buf.length < offset + length) return undefined;
  return { frame: { opcode: buf[0]! & 0x0f, payload: buf.subarray(offset, offset + length) }, size: offset + length };
}
