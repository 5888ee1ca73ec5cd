// Baseline: a minimal `ws` broadcast server. Each event is serialised once; ws frames it per client.
import http from 'node:http';
import { WebSocket, WebSocketServer } from 'ws';
import { handlePublish, listen } from './common.js';

const server = http.createServer((req, res) => {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method === 'POST' && path === '/publish') {
    handlePublish(req, res, ({ id, type, data }) => {
      const message = Buffer.from(JSON.stringify({ id, type, data }));
      for (const client of wss.clients) if (client.readyState === WebSocket.OPEN) client.send(message);
    });
    return;
  }
  res.writeHead(path === '/healthz' ? 200 : 404).end();
});

// ws turns Nagle off on every socket it accepts, like the SSE servers do.
const wss = new WebSocketServer({ server, path: '/ws', perMessageDeflate: false });

listen(server);
