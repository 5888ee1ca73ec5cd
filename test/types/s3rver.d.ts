// s3rver ships no typings: the part of its API the tests use.
declare module 's3rver' {
  import type { AddressInfo } from 'node:net';

  interface S3rverOptions {
    address?: string;
    port?: number;
    silent?: boolean;
    directory?: string;
    resetOnClose?: boolean;
    allowMismatchedSignatures?: boolean;
    vhostBuckets?: boolean;
    configureBuckets?: { name: string; configs?: (string | Buffer)[] }[];
  }

  /** The part of Koa's context an interceptor uses. */
  interface KoaContext {
    readonly method: string;
    readonly url: string;
    status: number;
    type: string;
    body: unknown;
    /** The Node request under Koa's. */
    readonly req: import('node:http').IncomingMessage;
  }

  export default class S3rver {
    constructor(options?: S3rverOptions);
    /** Koa's middleware list (s3rver extends Koa), composed when the server starts. */
    middleware: ((ctx: KoaContext, next: () => Promise<void>) => Promise<void>)[];
    run(): Promise<AddressInfo>;
    close(): Promise<void>;
  }
}
