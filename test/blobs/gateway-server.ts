// Capstan's real HTTP app (CORS, error catalogue, JSON parsing) on port 0 with the upload gateway
// registered, plus a local store whose part URLs point at it.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { LocalDiskBlobStore, PartUrlSigner, uploadGateway } from '../../src/blobs/index.js';
import { Md5Threads } from '../../src/blobs/md5-threads.js';
import { loadConfig } from '../../src/config/index.js';
import { buildHttpApp, createLogger, createMetrics, type HttpApp, type Surface } from '../../src/http/index.js';
import { tempDir } from '../helpers/server.js';

export const SIGNING_SECRET = 'blob-test-secret-0123456789abcdefghij';

export interface GatewayServer {
  readonly url: string;
  readonly app: HttpApp;
  readonly root: string;
  readonly store: LocalDiskBlobStore;
  /** The same store (same files, same gateway) seen from a clock shifted by `offsetMs`. */
  shifted(offsetMs: number): LocalDiskBlobStore;
  close(): Promise<void>;
}

export interface GatewayServerOptions {
  readonly minPartSize: number;
  readonly maxPartBytes?: number;
  readonly surfaces?: readonly Surface[];
  /** Hash streamed bodies on this many MD5 threads (as the server does by default); unset: on the event loop. */
  readonly md5Threads?: number;
}

export async function startGatewayServer(options: GatewayServerOptions): Promise<GatewayServer> {
  const dir = tempDir('capstan-blobs-');
  const root = join(dir, 'blobs');
  let url = '';
  const md5Threads = options.md5Threads ? new Md5Threads(options.md5Threads) : undefined;
  const storeAt = (offsetMs: number): LocalDiskBlobStore => {
    const now = (): number => Date.now() + offsetMs;
    const signer = new PartUrlSigner({ secret: SIGNING_SECRET, publicUrl: () => url, now });
    return new LocalDiskBlobStore({ root, signer, minPartSize: options.minPartSize, clock: now, md5Threads });
  };
  const store = storeAt(0);
  const config = loadConfig({ env: {}, overrides: { logLevel: 'silent', dataDir: dir, devCredentials: false, rateLimitPerMinute: 0 } });
  const app = await buildHttpApp(
    { config, logger: createLogger('silent'), metrics: createMetrics(false), ready: async () => true },
    [uploadGateway({ store, signer: store.signer, maxPartBytes: options.maxPartBytes ?? 1024 * 1024 }), ...(options.surfaces ?? [])],
  );
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return {
    url,
    app,
    root,
    store,
    shifted: storeAt,
    async close() {
      await app.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
