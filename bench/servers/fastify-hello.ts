// Baseline for the REST scenarios: a minimal Fastify server answering `GET /hello` (and
// `GET /status/:id`, same body size class) with a small JSON object, no auth, no logging.
import Fastify from 'fastify';

const app = Fastify({ logger: false, keepAliveTimeout: 60_000 });
const body = { document_id: 'doc_hello', status: 'completed', progress: { ocr: 'complete', structure: 'complete', actions: 'complete', trades: 'complete', categories: 'complete' }, workflow_complete: true };
app.get('/hello', async () => ({ hello: 'world' }));
app.get('/status/:id', async () => body);
app.get('/healthz', async () => ({ ok: true }));

app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' }).then(
  () => {
    const address = app.server.address();
    process.stdout.write(`LISTENING ${typeof address === 'object' && address ? address.port : 0}\n`);
  },
  (e: unknown) => {
    process.stderr.write(`${String(e)}\n`);
    process.exit(1);
  },
);
