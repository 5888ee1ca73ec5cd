// The baseline the upload gateway is compared with: a minimal node:http server that streams each PUT
// body to a file under RAW_PUT_DIR (`PUT /<round>/<part>`), with nothing else on the way. `?md5`
// also hashes the body on the way to disk and answers its ETag, as S3 and Capstan's gateway do.
// No fsync, like the gateway. Prints `LISTENING <port>` for the harness.
import { createHash, type Hash } from 'node:crypto';
import { createWriteStream, mkdirSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { listen } from '../../servers/common.js';

const root = process.env.RAW_PUT_DIR;
if (!root) throw new Error('RAW_PUT_DIR is not set');

const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://raw');
  const [round, part] = url.pathname.split('/').filter(Boolean);
  if (req.method !== 'PUT' || !round || !part || !/^\w+$/.test(round + part)) {
    res.writeHead(400).end();
    return;
  }
  mkdirSync(join(root, round), { recursive: true });
  const hash = url.searchParams.has('md5') ? createHash('md5') : undefined;
  const file = createWriteStream(join(root, round, part));
  const written = hash ? pipeline(req, hashing(hash), file) : pipeline(req, file);
  written.then(
    () => res.writeHead(200, hash ? { etag: `"${hash.digest('hex')}"` } : {}).end(),
    () => res.writeHead(500).end(),
  );
});
listen(server);

function hashing(hash: Hash): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
}
