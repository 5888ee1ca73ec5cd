// Baseline: the honest SSE ceiling for a Node server. node:http and nothing else — no auth, no log, no
// queue limit — but written the way a careful server writes: events published while a pass is pending
// are framed once, joined into one buffer, and that buffer is written once per connection; a pass over
// many connections yields to the event loop every 10 ms (so publishes and connects are taken between
// its slices, and what they publish joins the next pass). Capstan batches and yields the same way, so
// this is the server it should be measured against; raw-sse.ts, which writes every event to every
// connection as it arrives, is the naive one.
import http from 'node:http';
import { handlePublish, listen, openStream } from './common.js';

const SLICE_MS = 10;
const CLOCK_EVERY = 32;

const streams = new Set<http.ServerResponse>();
let pending: Buffer[] = [];
let scheduled = false;
/** The pass in progress: its joined bytes, the connections it writes to, and how far it is. */
let pass: { bytes: Buffer; to: http.ServerResponse[]; next: number } | undefined;

function flush(): void {
  if (!pass) {
    pass = { bytes: pending.length === 1 ? pending[0]! : Buffer.concat(pending), to: [...streams], next: 0 };
    pending = [];
  }
  const started = performance.now();
  const p = pass;
  while (p.next < p.to.length) {
    const s = p.to[p.next++]!;
    if (!s.destroyed) s.write(p.bytes);
    if (p.next % CLOCK_EVERY === 0 && performance.now() - started > SLICE_MS) {
      setImmediate(flush);
      return;
    }
  }
  pass = undefined;
  if (pending.length > 0) setImmediate(flush);
  else scheduled = false;
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
