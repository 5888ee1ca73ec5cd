// Baseline: the honest SSE ceiling for a Node server. node:http and nothing else — no auth, no log, no
// queue limit — but written the way a careful server writes: events published in one event-loop turn
// are framed once, joined into one buffer, and that buffer is written once per connection at the end
// of the turn. Capstan batches the same way, so this is the server it should be measured against;
// raw-sse.ts, which writes every event to every connection as it arrives, is the naive one.
import http from 'node:http';
import { handlePublish, listen, openStream } from './common.js';

const streams = new Set<http.ServerResponse>();
let pending: Buffer[] = [];
let scheduled = false;

function flush(): void {
  scheduled = false;
  const joined = pending.length === 1 ? pending[0]! : Buffer.concat(pending);
  pending = [];
  for (const s of streams) s.write(joined);
}

const server = http.createServer((req, res) => {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method === 'GET' && path === '/events') return openStream(res, streams);
  if (req.method === 'POST' && path === '/publish') {
    handlePublish(req, res, ({ id, type, data }) => {
      pending.push(Buffer.from(`id: ${id}\nevent: ${type}\ndata: ${JSON.stringify(data)}\n\n`));
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    });
    return;
  }
  res.writeHead(path === '/healthz' ? 200 : 404).end();
});

listen(server);
