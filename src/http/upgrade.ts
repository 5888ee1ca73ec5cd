// WebSocket upgrades, routed by path. Fastify does not route upgrade requests, so surfaces register
// handlers here; a handler checks credentials before accepting, and a refusal is a plain HTTP answer
// in the catalogue's shape (with X-API-Version, like every other response).
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { VERSION } from '../util/version.js';
import { AppError, isAppError } from './errors.js';
import type { Logger } from './logger.js';

/** An accepted upgrade: the `ws` socket, and the stream under it (realtime writes event frames to it). */
export interface AcceptedUpgrade {
  readonly socket: WebSocket;
  readonly stream: Duplex;
}

export type UpgradeHandler = (req: IncomingMessage, url: URL, accept: () => Promise<AcceptedUpgrade>) => Promise<void>;

interface Route {
  readonly pattern: RegExp;
  readonly handler: UpgradeHandler;
}

export class UpgradeRouter {
  private readonly routes: Route[] = [];
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024, perMessageDeflate: false });

  constructor(private readonly logger: Logger) {
    this.wss.on('headers', (headers) => headers.push(`X-API-Version: ${VERSION}`));
  }

  /** `pattern` is matched against the path only (no query string). */
  add(pattern: RegExp, handler: UpgradeHandler): void {
    this.routes.push({ pattern, handler });
  }

  attach(server: Server): void {
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      socket.on('error', () => socket.destroy());
      const url = new URL(req.url ?? '/', 'http://localhost');
      const route = this.routes.find((r) => r.pattern.test(url.pathname));
      if (!route) return refuseUpgrade(socket, new AppError('route_not_found'));
      let accepted = false;
      const accept = () =>
        new Promise<AcceptedUpgrade>((resolve) => {
          accepted = true;
          this.wss.handleUpgrade(req, socket, head, (ws) => resolve({ socket: ws, stream: socket }));
        });
      route.handler(req, url, accept).catch((e: unknown) => {
        if (accepted) {
          this.logger.error({ err: e }, 'websocket handler failed');
          return;
        }
        if (!isAppError(e)) this.logger.error({ err: e }, 'websocket upgrade failed');
        refuseUpgrade(socket, isAppError(e) ? e : new AppError('internal'));
      });
    });
  }

  close(): void {
    for (const client of this.wss.clients) client.terminate();
    this.wss.close();
  }
}

const REASONS: Readonly<Record<number, string>> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict', 429: 'Too Many Requests', 500: 'Internal Server Error', 503: 'Service Unavailable' };

export function refuseUpgrade(socket: Duplex, error: AppError): void {
  const body = JSON.stringify(error.toBody());
  const headers = [
    `HTTP/1.1 ${error.status} ${REASONS[error.status] ?? 'Error'}`,
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    `X-API-Version: ${VERSION}`,
    'Connection: close',
    ...Object.entries(error.headers).map(([k, v]) => `${k}: ${v}`),
  ];
  socket.end(`${headers.join('\r\n')}\r\n\r\n${body}`);
}
