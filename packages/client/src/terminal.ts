// Terminal events as they arrive on each transport: an SSE frame (named, or a JSON `type` on the
// documents stream), a WebSocket message, or only a WebSocket close code when the message was lost.
import type { TerminalEvent, TerminalType } from './types.js';

export const TERMINAL_TYPES: ReadonlySet<string> = new Set<TerminalType>(['stream.expired', 'stream.unauthorized', 'stream.draining', 'stream.stale_resume', 'stream.overflow']);

const BY_CLOSE_CODE: Readonly<Record<number, TerminalType>> = {
  4401: 'stream.expired',
  4403: 'stream.unauthorized',
  4408: 'stream.overflow',
  4409: 'stream.stale_resume',
  1012: 'stream.draining',
};

/** A `{type: "stream.…", …data}` message (documents SSE, every WebSocket), or undefined. */
export function terminalOfMessage(message: Readonly<Record<string, unknown>>): TerminalEvent | undefined {
  const { type, ...data } = message;
  if (typeof type !== 'string' || !TERMINAL_TYPES.has(type)) return undefined;
  return { type: type as TerminalType, data: data as TerminalEvent['data'] };
}

export function terminalOfCloseCode(code: number): TerminalEvent | undefined {
  const type = BY_CLOSE_CODE[code];
  return type ? { type, data: {} } : undefined;
}

/** Close codes that mean the client broke the protocol (too big, not UTF-8, too fast): no retry fixes them. */
export const PROTOCOL_CLOSE_CODES: ReadonlySet<number> = new Set([1002, 1003, 1007, 1008, 1009]);

export function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
