// A real S3-compatible server for tests: s3rver on 127.0.0.1, port 0, data in a temp directory.
// s3rver implements only part of S3; test/blobs/store-suite.ts lists what it lacks.
import { rmSync } from 'node:fs';
import S3rver from 's3rver';
import { tempDir } from './server.js';

export interface TestS3 {
  readonly endpoint: string;
  readonly bucket: string;
  readonly region: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  close(): Promise<void>;
}

/** What a request interceptor sees of a request. */
export interface S3Request {
  readonly method: string;
  /** Path and query, e.g. /capstan-test?uploads&prefix=documents%2F. */
  readonly url: string;
}

/** An answer in place of s3rver's own, for a call s3rver does not implement. */
export interface S3Answer {
  readonly status: number;
  readonly xml: string;
}

export interface StartS3Options {
  readonly bucket?: string;
  /** Sees every request first; an answer it returns is sent instead of s3rver's, and 'hang' sends none (a frozen server). */
  readonly intercept?: (request: S3Request) => S3Answer | 'hang' | undefined;
}

// s3rver knows one account and refuses any other access key.
const ACCOUNT = 'S3RVER';

export async function startS3(options: StartS3Options = {}): Promise<TestS3> {
  const bucket = options.bucket ?? 'capstan-test';
  const directory = tempDir('capstan-s3-');
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: bucket }] });
  const { intercept } = options;
  if (intercept) {
    // s3rver is a Koa app: a middleware put first runs before its router.
    server.middleware.unshift(async (ctx, next) => {
      const answer = intercept({ method: ctx.method, url: ctx.url });
      if (!answer) return next();
      if (answer === 'hang') {
        await new Promise<void>((resolve) => ctx.req.once('close', resolve));
        return;
      }
      ctx.status = answer.status;
      ctx.type = 'application/xml';
      ctx.body = answer.xml;
    });
  }
  const { port } = await server.run();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    region: 'us-east-1',
    accessKeyId: ACCOUNT,
    secretAccessKey: ACCOUNT,
    async close() {
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** Server options that keep blobs in `s3` (path-style, as s3rver needs). */
export function s3ServerOptions(s3: TestS3) {
  return {
    blobS3Bucket: s3.bucket,
    blobS3Endpoint: s3.endpoint,
    blobS3Region: s3.region,
    blobS3AccessKeyId: s3.accessKeyId,
    blobS3SecretAccessKey: s3.secretAccessKey,
    blobS3ForcePathStyle: true,
  } as const;
}
