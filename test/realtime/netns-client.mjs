// The client side of the vanished-peer test, run inside a network namespace of its own: a hub SSE
// stream and an organizer WebSocket, reporting what it receives as JSON lines on stdout.
// Usage: node netns-client.mjs <sse url> <contact token> <ws url>
import http from 'node:http';
import { WebSocket } from 'ws';

const [sseUrl, token, wsUrl] = process.argv.slice(2);
const say = (line) => process.stdout.write(`${JSON.stringify(line)}\n`);

const req = http.get(sseUrl, { headers: { accept: 'text/event-stream', authorization: `Bearer ${token}` }, agent: false }, (res) => {
  say({ sse: 'open', status: res.statusCode });
  res.setEncoding('utf8');
  res.on('data', (chunk) => {
    if (chunk.includes(': heartbeat')) say({ sse: 'heartbeat' });
  });
  res.on('close', () => say({ sse: 'closed' }));
});
req.on('error', (e) => say({ sse: 'error', message: e.message }));

const ws = new WebSocket(wsUrl);
ws.on('open', () => say({ ws: 'open' }));
ws.on('ping', () => say({ ws: 'ping' }));
ws.on('close', (code) => say({ ws: 'closed', code }));
ws.on('error', (e) => say({ ws: 'error', message: e.message }));
