// Several real `capstan serve` processes sharing one PostgreSQL database (fresh per run), one Redis
// (a fresh key prefix per run) and one S3 bucket (s3rver): scaled mode as it runs in production.
import { rmSync } from 'node:fs';
import { randomToken } from '../../src/util/ids.js';
import { createTestDatabase, type TestDatabase } from './postgres.js';
import { startS3, type TestS3 } from './s3.js';
import { ServeProcess } from './serve-process.js';
import { ADMIN_TOKEN, tempDir } from './server.js';

export interface Node {
  readonly proc: ServeProcess;
  readonly url: string;
  readonly dataDir: string;
}

export interface Cluster {
  readonly nodes: Node[];
  readonly db: TestDatabase;
  readonly redisUrl: string;
  readonly prefix: string;
  /** Starts one more node with the cluster's shared settings (and any extra env). */
  start(env?: Record<string, string>): Promise<Node>;
  admin(node: Node, method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }>;
  close(): Promise<void>;
}

/** Polls a node's /readyz until it answers `want` (200 once its storage and Redis answer, 503 while not). */
export async function waitReady(node: Node, want: number): Promise<void> {
  for (let i = 0; i < 400; i++) {
    const status = await fetch(`${node.url}/readyz`).then((r) => r.status, () => 0);
    if (status === want) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${node.url}/readyz never answered ${want}`);
}

export async function startCluster(size: number, options: { redisUrl?: string; env?: Record<string, string> } = {}): Promise<Cluster> {
  const db = await createTestDatabase();
  const s3: TestS3 = await startS3();
  const redisUrl = options.redisUrl ?? 'redis://127.0.0.1:6379';
  const prefix = `capstan_test_${randomToken(8)}:`;
  const nodes: Node[] = [];
  const shared: Record<string, string> = {
    CAPSTAN_DATABASE_URL: db.url,
    CAPSTAN_REDIS_URL: redisUrl,
    CAPSTAN_REDIS_KEY_PREFIX: prefix,
    CAPSTAN_S3_BUCKET: s3.bucket,
    CAPSTAN_S3_ENDPOINT: s3.endpoint,
    CAPSTAN_S3_REGION: s3.region,
    CAPSTAN_S3_ACCESS_KEY_ID: s3.accessKeyId,
    CAPSTAN_S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
    CAPSTAN_S3_FORCE_PATH_STYLE: 'true',
    CAPSTAN_DEV_CREDENTIALS: 'false',
    CAPSTAN_RATE_LIMIT_PER_MINUTE: '0',
    CAPSTAN_TOKEN_SECRET: 'cluster-test-secret-0123456789abcdef-xyz',
    ...options.env,
  };
  const cluster: Cluster = {
    nodes,
    db,
    redisUrl,
    prefix,
    async start(env = {}) {
      const dataDir = tempDir('capstan-node-');
      const proc = ServeProcess.start(dataDir, ADMIN_TOKEN, { ...shared, ...env });
      const node = { proc, url: await proc.url(), dataDir };
      nodes.push(node);
      return node;
    },
    async admin(node, method, path, body) {
      const res = await fetch(`${node.url}/admin/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
    },
    async close() {
      for (const n of nodes) n.proc.child.kill('SIGKILL');
      await Promise.all(nodes.map((n) => n.proc.exited));
      for (const n of nodes) rmSync(n.dataDir, { recursive: true, force: true });
      await s3.close();
      await db.drop();
    },
  };
  // The first node migrates; the others then start together.
  await cluster.start();
  await Promise.all(Array.from({ length: size - 1 }, () => cluster.start()));
  return cluster;
}
