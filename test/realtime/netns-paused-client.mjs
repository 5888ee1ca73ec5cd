// The client side of the shut-window test, run inside a network namespace of its own: a hub SSE
// stream over a bare socket that stops reading after its first heartbeat, so the kernel's receive
// buffer fills and its window shuts.
// Usage: node netns-paused-client.mjs <sse url> <contact token>
import net from 'node:net';

const [sseUrl, token] = process.argv.slice(2);
const url = new URL(sseUrl);
const say = (line) => process.stdout.write(`${JSON.stringify(line)}\n`);

const socket = net.connect({ host: url.hostname, port: Number(url.port) }, () => {
  socket.write(`GET ${url.pathname}${url.search} HTTP/1.1\r\nhost: ${url.host}\r\naccept: text/event-stream\r\nauthorization: Bearer ${token}\r\n\r\n`);
});
let seen = '';
const first = (chunk) => {
  seen += chunk.toString('latin1');
  if (!seen.includes(': heartbeat')) return;
  socket.off('data', first);
  // Reads nothing more: what the kernel holds for it is all it takes.
  socket.pause();
  say({ sse: 'paused', status: seen.slice(0, 12) });
};
socket.on('data', first);
socket.on('error', (e) => say({ sse: 'error', message: e.message }));
socket.on('close', () => say({ sse: 'closed' }));
// A paused socket keeps no event loop alive: the test kills this process when it is done.
setInterval(() => undefined, 60_000);
