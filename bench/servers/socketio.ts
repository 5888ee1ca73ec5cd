// Baseline: Socket.IO doing the same broadcast (`io.emit`), WebSocket transport only, no compression.
import http from 'node:http';
import { Server } from 'socket.io';
import { handlePublish, listen } from './common.js';

const server = http.createServer((req, res) => {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method === 'POST' && path === '/publish') {
    handlePublish(req, res, ({ type, data }) => io.emit(type, data));
    return;
  }
  res.writeHead(path === '/healthz' ? 200 : 404).end();
});

// engine.io takes over the server's request listener and hands on everything outside /socket.io/.
const io = new Server(server, { transports: ['websocket'], serveClient: false, perMessageDeflate: false });

listen(server);
