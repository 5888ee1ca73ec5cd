// The run's S3: s3rver in this process on a free loopback port, data in a temporary directory
// (scaled mode keeps every uploaded file there, so any node can read what another received).
import S3rver from 's3rver';
import { tempDir } from '../lib/temp-dir.js';

export interface S3Service {
  /** CAPSTAN_S3_* settings for the nodes. */
  readonly env: Readonly<Record<string, string>>;
  readonly description: string;
  close(): Promise<void>;
}

// s3rver knows one account and refuses any other access key.
const ACCOUNT = 'S3RVER';
const BUCKET = 'capstan-chaos';

export async function startS3(): Promise<S3Service> {
  const dir = tempDir('capstan-chaos-s3-');
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dir.path, configureBuckets: [{ name: BUCKET }] });
  const { port } = await server.run();
  return {
    env: {
      CAPSTAN_S3_BUCKET: BUCKET,
      CAPSTAN_S3_ENDPOINT: `http://127.0.0.1:${port}`,
      CAPSTAN_S3_REGION: 'us-east-1',
      CAPSTAN_S3_ACCESS_KEY_ID: ACCOUNT,
      CAPSTAN_S3_SECRET_ACCESS_KEY: ACCOUNT,
      CAPSTAN_S3_FORCE_PATH_STYLE: 'true',
    },
    description: `s3rver on 127.0.0.1:${port}`,
    async close() {
      await server.close();
      dir.remove();
    },
  };
}
