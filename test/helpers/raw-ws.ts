// A WebSocket client over a plain TCP socket, for frames `ws` refuses to send: the handshake by
// hand (standard or mutated), crafted frames out, and the server's frames (its close code above all) read back.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { parseResponse, type RawResponse } from './raw-http.js';

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

export interface HandshakeOptions {
  readonly method?: string;
  /** Replaces the standard upgrade headers (Host, Upgrade, Connection, Sec-WebSocket-Key, -Version) when given. */
  readonly headers?: readonly (readonly [string, string])[];
}

/** What an upgrade got: the socket, or the HTTP answer that refused it (Content-Length framed). */
export type Upgrade = { readonly ws: RawWs } | { readonly refused: RawResponse };

export function upgradeHeaders(url: URL): [string, string][] {
  return [
    ['Host', url.host],
    ['Upgrade', 'websocket'],
    ['Connection', 'Upgrade'],
    ['Sec-WebSocket-Key', randomBytes(16).toString('base64')],
    ['Sec-WebSocket-Version', '13'],
  ];
}

/** Opens `url` (ws://host:port/path?query) and completes the upgrade; rejects unless the answer is 101. */
export async function rawWs(url: string): Promise<RawWs> {
  const upgrade = await rawUpgrade(url);
  if ('refused' in upgrade) throw new Error(`upgrade refused: ${upgrade.refused.status} ${upgrade.refused.body}`);
  return upgrade.ws;
}

/** Sends an upgrade request (standard, or as `options` says) and returns the socket or the refusal. */
export async function rawUpgrade(url: string, options: HandshakeOptions = {}): Promise<Upgrade> {
  const u = new URL(url);
  const socket = net.connect(Number(u.port), u.hostname);
  socket.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  const headers = options.headers ?? upgradeHeaders(u);
  socket.write(`${options.method ?? 'GET'} ${u.pathname}${u.search} HTTP/1.1\r\n${headers.map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`);
  const frames: ServerFrame[] = [];
  let buffer = Buffer.alloc(0);
  let upgraded = false;
  let closeCode: number | undefined;
  let closeReason = '';
  const closed = new Promise<{ code: number | undefined; reason: string }>((resolve) => socket.once('close', () => resolve({ code: closeCode, reason: closeReason })));
  const ws: RawWs = {
    socket,
    frames,
    send: (bytes) => {
      if (socket.writable) socket.write(bytes);
    },
    closed,
  };
  return new Promise<Upgrade>((resolve, reject) => {
    socket.once('close', () => {
      if (upgraded) return;
      const refused = parseResponse(buffer.toString('latin1'));
      if (refused) resolve({ refused });
      else reject(new Error(`closed before the upgrade was answered: ${JSON.stringify(buffer.toString('latin1').slice(0, 300))}`));
    });
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (!upgraded) {
        const end = buffer.indexOf('\r\n\r\n');
        if (end < 0) return;
        if (!buffer.subarray(0, end).toString('latin1').startsWith('HTTP/1.1 101')) {
          const refused = parseResponse(buffer.toString('latin1'));
          if (refused) {
            socket.destroy();
            resolve({ refused });
          }
          return;
        }
        buffer = buffer.subarray(end + 4);
        upgraded = true;
        resolve({ ws });
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
