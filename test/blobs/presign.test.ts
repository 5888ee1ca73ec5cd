// The gateway's URL signer on its own: round trip, expiry at an explicit instant, every field covered.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PartUrlSigner, type SignedPartQuery } from '../../src/blobs/index.js';

const SECRET = 'presign-test-secret-0123456789abcdef';
const T0 = Date.UTC(2030, 0, 1);

function signerAt(now: number, secret = SECRET, publicUrl = 'https://capstan.example'): PartUrlSigner {
  return new PartUrlSigner({ secret, publicUrl: () => publicUrl, now: () => now });
}

function queryOf(url: string): SignedPartQuery {
  const q = new URL(url).searchParams;
  return { key: q.get('key') ?? '', uploadId: q.get('uploadId') ?? '', partNumber: Number(q.get('partNumber')), expires: Number(q.get('expires')), signature: q.get('signature') ?? '' };
}

const part = { key: 'videos/a b&c=d?.mp4', uploadId: 'abc123', partNumber: 7 };

test('a signed URL names the gateway and verifies until its expiry second, inclusive', () => {
  const url = signerAt(T0).sign(part, 60);
  assert.match(url, /^https:\/\/capstan\.example\/uploads\/parts\?/);
  const query = queryOf(url);
  assert.equal(query.key, part.key, 'the key survives URL encoding');
  assert.equal(query.expires, T0 / 1000 + 60);
  assert.deepEqual(signerAt(T0 + 60_999).verify(query), { ok: true, part });
  assert.deepEqual(signerAt(T0 + 61_000).verify(query), { ok: false, reason: 'expired' });
});

test('changing any signed field, or the secret, breaks the signature', () => {
  const query = queryOf(signerAt(T0).sign(part, 60));
  const verifier = signerAt(T0);
  for (const forged of [
    { ...query, key: 'videos/other.mp4' },
    { ...query, uploadId: 'abc124' },
    { ...query, partNumber: 8 },
    { ...query, expires: query.expires + 3600 },
    { ...query, signature: query.signature.slice(0, -2) },
    { ...query, signature: '' },
    { ...query, signature: 'not base64 at all!' },
  ]) {
    assert.deepEqual(verifier.verify(forged), { ok: false, reason: 'bad_signature' });
  }
  assert.deepEqual(signerAt(T0, 'another-secret-0123456789abcdefghij').verify(query), { ok: false, reason: 'bad_signature' });
});

test('a path prefix of the public URL is kept; a short secret is refused', () => {
  assert.match(signerAt(T0, SECRET, 'https://example.org/capstan').sign(part, 60), /^https:\/\/example\.org\/capstan\/uploads\/parts\?/);
  assert.throws(() => signerAt(T0, 'short'));
});
