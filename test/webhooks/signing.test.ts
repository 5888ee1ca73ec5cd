// The pieces webhooks are made of: signatures that the `standardwebhooks` package verifies (and
// refuses when tampered with), secrets sealed at rest, the retry schedule, derived message ids.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { derivedId, messagesFor, newWebhookSecret, parseSchedule, retryAt, signatureHeader, webhookSecretBox } from '../../src/webhooks/index.js';
import type { EventRecord } from '../../src/events/index.js';

const UUIDV7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test('signatures verify with standardwebhooks, one secret or two, and nothing tampered verifies', () => {
  const a = newWebhookSecret();
  const b = newWebhookSecret();
  const id = '0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2b';
  const ts = Math.floor(Date.now() / 1000);
  const body = JSON.stringify({ type: 'video.ready', timestamp: new Date().toISOString(), data: { video_id: 'v_1' } });
  const both = { 'webhook-id': id, 'webhook-timestamp': String(ts), 'webhook-signature': signatureHeader(id, ts, body, [a, b]) };
  assert.deepEqual(new Webhook(a).verify(body, both), JSON.parse(body));
  assert.deepEqual(new Webhook(b).verify(body, both), JSON.parse(body));
  assert.equal(signatureHeader(id, ts, body, [a]), new Webhook(a).sign(id, new Date(ts * 1000), body), 'the same bytes as the reference signer');
  assert.throws(() => new Webhook(newWebhookSecret()).verify(body, both));
  assert.throws(() => new Webhook(a).verify(body.replace('v_1', 'v_2'), both));
  assert.throws(() => new Webhook(a).verify(body, { ...both, 'webhook-id': id.replace('7e5f', '7e5e') }));
  const stale = ts - 3600;
  assert.throws(() => new Webhook(a).verify(body, { ...both, 'webhook-timestamp': String(stale), 'webhook-signature': signatureHeader(id, stale, body, [a]) }), 'an old timestamp is refused');
});

test('secrets are sealed with AES-256-GCM under the server secret; another server secret cannot open them', () => {
  const box = webhookSecretBox('server-secret-0123456789abcdef0123456789');
  const secret = newWebhookSecret();
  const sealed = box.seal(secret);
  assert.ok(!sealed.includes(secret.slice(6)), 'the stored form does not contain the secret');
  assert.notEqual(box.seal(secret), sealed, 'a fresh nonce each time');
  assert.equal(box.open(sealed), secret);
  assert.equal(webhookSecretBox('another-server-secret-0123456789abcdef').open(sealed), undefined);
  assert.equal(box.open(sealed.slice(0, -4) + 'AAAA'), undefined, 'altered: refused');
});

test('a secret sealed before the box took a purpose still opens: the key is derived as it was', () => {
  const box = webhookSecretBox('server-secret-0123456789abcdef0123456789');
  const sealedThen = 'v1.vxbfiXWzhzLbsYlRKI+ZyHPkBOMqpmMboqic1+baLL5qe9K3Dta45Z36d+1qBIk4ruoL6OKxyCOnhOmiAtYbAx0F/+avPA==';
  assert.equal(box.open(sealedThen), 'whsec_c2VhbGVkIGJlZm9yZSB0aGUgYm94IG1vdmVk');
});

test('the retry schedule: the configured delays with ±10 % jitter, then no more', () => {
  const schedule = parseSchedule(['5000', '300000', '1800000']);
  assert.equal(retryAt(schedule, 1, 0, () => 0.5), 5000);
  assert.equal(retryAt(schedule, 1, 0, () => 0), 4500);
  assert.equal(retryAt(schedule, 1, 0, () => 1), 5500);
  assert.equal(retryAt(schedule, 3, 1000, () => 0.5), 1_801_000);
  assert.equal(retryAt(schedule, 4, 0), undefined);
  assert.throws(() => parseSchedule(['5s']), /not a delay/);
});

test('document.completed and document.failed follow a terminal document.status, with a stable UUIDv7 of the same instant', () => {
  const event = (status: string): EventRecord => ({
    id: '0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2b', seq: 1, topic: 'org:org_1', orgId: 'org_1', type: 'document.status',
    scope: { document_id: 'doc_1' }, data: { document_id: 'doc_1', status }, createdAt: '2024-07-01T00:00:00.000Z',
  });
  assert.deepEqual(messagesFor(event('processing')).map((m) => m.type), ['document.status']);
  const [status, completed] = messagesFor(event('completed'));
  assert.equal(completed!.type, 'document.completed');
  assert.match(completed!.id, UUIDV7);
  assert.equal(completed!.id.slice(0, 13), status!.id.slice(0, 13), 'the same millisecond');
  assert.equal(completed!.id, derivedId(status!.id, 'document.completed'), 'stable');
  assert.ok(completed!.orderKey > status!.orderKey);
  assert.deepEqual(JSON.parse(completed!.body), { type: 'document.completed', timestamp: '2024-07-01T00:00:00.000Z', data: { document_id: 'doc_1', status: 'completed' } });
  assert.equal(messagesFor(event('failed'))[1]!.type, 'document.failed');
  assert.notEqual(derivedId(status!.id, 'document.failed'), completed!.id);
});
