// One SSE request over node:http from a chosen local address: resolves with the request and its
// response once the headers say 200, rejects on a refusal (any other status), an error or a timeout.
import http, { type ClientRequest, type IncomingMessage } from 'node:http';

export function openSseRequest(url: URL, headers: Readonly<Record<string, string>>, localAddress: string, timeoutMs: number): Promise<{ req: ClientRequest; res: IncomingMessage }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: url.hostname, port: url.port, path: url.pathname + url.search, localAddress, agent: false, headers: { accept: 'text/event-stream', ...headers }, timeout: timeoutMs });
    req.once('timeout', () => req.destroy(new Error('connect timeout')));
    req.once('error', reject);
    req.once('response', (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(new Error(`status ${res.statusCode}`));
        return;
      }
      req.setTimeout(0);
      resolve({ req, res });
    });
  });
}
