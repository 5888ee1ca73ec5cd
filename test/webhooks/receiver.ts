// A webhook receiver as a customer would write one: node:http on 127.0.0.1, verifying every request
// with the `standardwebhooks` package, unchanged. Each request is recorded with its verification
// result; what it answers is scripted per request (a status, a hang, a huge body, a cut connection).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface Received {
  readonly id: string;
  readonly timestamp: string;
  readonly signature: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly raw: string;
  readonly body: { type: string; timestamp: string; data: Record<string, unknown> };
  /** Which of the receiver's secrets verified it (by index), none when empty. */
  readonly verifiedWith: number[];
}

export type Answer = number | 'hang' | 'huge' | 'cut' | { redirect: string } | { status: number; delayMs: number };

export interface Receiver {
  readonly url: string;
  readonly received: Received[];
  /** The most requests it was answering at once. */
  readonly maxInFlight: number;
  /** Secrets to verify with (the endpoint's, once it is created). */
  secrets: string[];
  /** Decides the answer of each request (default 200). */
  answer: (r: Received, nth: number) => Answer;
  ofType(type: string): Received[];
  close(): Promise<void>;
}

export async function startReceiver(path = '/hook'): Promise<Receiver> {
  const received: Received[] = [];
  const receiver: Receiver = {
    url: '',
    received,
    maxInFlight: 0,
    secrets: [],
    answer: () => 200,
    ofType: (type) => received.filter((r) => r.body.type === type),
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
  let inFlight = 0;
  const server = http.createServer((req, res) => {
    inFlight++;
    (receiver as { maxInFlight: number }).maxInFlight = Math.max(receiver.maxInFlight, inFlight);
    res.on('close', () => inFlight--);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const headers = { 'webhook-id': String(req.headers['webhook-id']), 'webhook-timestamp': String(req.headers['webhook-timestamp']), 'webhook-signature': String(req.headers['webhook-signature']) };
      const verifiedWith: number[] = [];
      receiver.secrets.forEach((secret, i) => {
        try {
          new Webhook(secret).verify(raw, headers);
          verifiedWith.push(i);
        } catch {
          // Not signed with this one.
        }
      });
      const r: Received = { id: headers['webhook-id'], timestamp: headers['webhook-timestamp'], signature: headers['webhook-signature'], headers: req.headers, raw, body: JSON.parse(raw) as Received['body'], verifiedWith };
      received.push(r);
      const answer = receiver.answer(r, received.length);
      if (answer === 'hang') return;
      if (answer === 'cut') {
        res.socket?.destroy();
        return;
      }
      if (answer === 'huge') {
        // Announces a gigabyte and keeps writing until the client stops reading.
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(1024 ** 3) });
        const block = Buffer.alloc(64 * 1024, 120);
        const pump = () => {
          while (!res.destroyed && res.write(block));
        };
        res.on('drain', pump);
        pump();
        return;
      }
      if (typeof answer === 'object' && 'redirect' in answer) {
        res.writeHead(302, { location: answer.redirect }).end();
        return;
      }
      if (typeof answer === 'object') {
        setTimeout(() => res.writeHead(answer.status).end(), answer.delayMs);
        return;
      }
      res.writeHead(answer, { 'content-type': 'text/plain' }).end(answer < 300 ? 'ok' : 'no');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  (receiver as { url: string }).url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;
  return receiver;
}

/** An endpoint of `orgId` made through the admin API towards a receiver of its own (kept in `receivers` to close). */
export async function endpointWithReceiver(
  ts: { admin(method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> },
  receivers: Receiver[],
  orgId: string,
  body: Record<string, unknown> = {},
): Promise<{ receiver: Receiver; id: string }> {
  const receiver = await startReceiver();
  receivers.push(receiver);
  const created = await ts.admin('POST', `/orgs/${orgId}/webhooks`, { url: receiver.url, ...body });
  if (created.status !== 201) throw new Error(`endpoint not created: ${created.status} ${JSON.stringify(created.body)}`);
  receiver.secrets = [created.body.secret as string];
  return { receiver, id: created.body.id as string };
}
