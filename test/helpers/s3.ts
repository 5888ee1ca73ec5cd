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

// s3rver knows one account and refuses any other access key.
const ACCOUNT = 'S3RVER';

export async function startS3(bucket = 'capstan-test'): Promise<TestS3> {
  const directory = tempDir('capstan-s3-');
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: bucket }] });
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
