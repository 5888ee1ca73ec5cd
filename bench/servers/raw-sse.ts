// Baseline: the SSE ceiling on this machine. node:http and nothing else — no auth, no log, no queue
// limit; each event is framed once and the same buffer is written to every open response.
import http from 'node:http';
import { handlePublish, listen, openStream } from './common.js';

const streams = new Set<http.ServerResponse>();

const server = http.createServer((req, res) => {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method === 'GET' && path === '/events') return openStream(res, streams);
  if (req.method === 'POST' && path === '/publish') {
    handlePublish(req, res, ({ id, type, data }) => {
      const frame = Buffer.from(`id: ${id}\nevent: ${type}\ndata: ${JSON.stringify(data)}\n\n`);
      for (const s of streams) s.write(frame);
    });
    return;
  }
  res.writeHead(path === '/healthz' ? 200 : 404).end();
});

listen(server);
