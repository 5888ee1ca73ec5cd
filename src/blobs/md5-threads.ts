// MD5 off the event loop. A part's ETag is the MD5 of its bytes, and MD5 runs at about 600 MB/s on
// one core whatever the code around it: hashed on the server's own thread, a part streaming in at
// disk speed takes most of that thread, and every stream, status read and connect waits behind it.
// Here each body being written is hashed on one of a few worker threads, in order, while the event
// loop only receives and writes: parts uploaded at once hash on several cores.
import { Worker } from 'node:worker_threads';
import { createHash, type Hash } from 'node:crypto';

/** The running MD5 of one body, fed in order, batch after batch. */
export interface Md5Digester {
  /** Resolves once the batch is hashed; the caller awaits it before sending more (backpressure). */
  update(chunks: readonly Buffer[]): void | Promise<void>;
  digest(): Buffer | Promise<Buffer>;
  /** The body was abandoned: forget its state. */
  drop(): void;
}

/** Hashes on the calling thread: for bodies already in memory, and when no threads are configured. */
export function inlineMd5(): Md5Digester {
  const hash: Hash = createHash('md5');
  return {
    update(chunks) {
      for (const chunk of chunks) hash.update(chunk);
    },
    digest: () => hash.digest(),
    drop: () => undefined,
  };
}

export class Md5ThreadError extends Error {
  override readonly name = 'Md5ThreadError';
}

// The worker is a few lines of plain JavaScript, evaluated: it needs no build step and no loader, the
// same from the built server and from source, and it starts without the parent's flags (a loader the
// parent was started with would only slow its start). It keeps one MD5 state per body it is fed;
// messages that arrive while it loads wait on its port.
const WORKER_SOURCE = `
Promise.all([import('node:worker_threads'), import('node:crypto')]).then(([{ parentPort }, { createHash }]) => {
  const open = new Map();
  parentPort.on('message', (m) => {
    if (m.op === 'update') {
      let hash = open.get(m.body);
      if (hash === undefined) open.set(m.body, (hash = createHash('md5')));
      hash.update(new Uint8Array(m.bytes));
      parentPort.postMessage({ reply: m.reply });
    } else if (m.op === 'digest') {
      const hash = open.get(m.body) ?? createHash('md5');
      open.delete(m.body);
      parentPort.postMessage({ reply: m.reply, hex: hash.digest('hex') });
    } else if (m.op === 'drop') {
      open.delete(m.body);
    }
  });
});
`;

type Request =
  | { readonly op: 'update'; readonly body: number; readonly reply: number; readonly bytes: ArrayBuffer }
  | { readonly op: 'digest'; readonly body: number; readonly reply: number }
  | { readonly op: 'drop'; readonly body: number };

interface Reply {
  readonly reply: number;
  readonly hex?: string;
}

interface Waiter {
  resolve(hex: string | undefined): void;
  reject(error: Error): void;
}

/** One worker thread and the replies it owes. It holds the process open only while it owes one. */
class HashThread {
  /** Bodies hashed here that have not been digested or dropped. */
  bodies = 0;
  private readonly worker: Worker;
  private readonly waiting = new Map<number, Waiter>();
  private nextReply = 1;
  private lost: Error | undefined;

  constructor(private readonly onLost: (thread: HashThread) => void) {
    this.worker = new Worker(WORKER_SOURCE, { eval: true, name: 'capstan-md5', execArgv: [] });
    this.worker.unref();
    this.worker.on('message', (message: Reply) => {
      const waiter = this.waiting.get(message.reply);
      if (!waiter) return;
      this.waiting.delete(message.reply);
      if (this.waiting.size === 0) this.worker.unref();
      waiter.resolve(message.hex);
    });
    this.worker.on('error', (error) => this.fail(new Md5ThreadError(`The MD5 thread failed: ${error.message}`)));
    this.worker.on('exit', (code) => this.fail(new Md5ThreadError(`The MD5 thread stopped (exit code ${code})`)));
  }

  /** Sends a request that is answered; the bytes of an update move to the thread (no copy). */
  ask(request: Exclude<Request, { op: 'drop' }>, transfer?: ArrayBuffer): Promise<string | undefined> {
    if (this.lost) return Promise.reject(this.lost);
    if (this.waiting.size === 0) this.worker.ref();
    return new Promise((resolve, reject) => {
      this.waiting.set(request.reply, { resolve, reject });
      this.worker.postMessage(request, transfer ? [transfer] : []);
    });
  }

  tell(request: Extract<Request, { op: 'drop' }>): void {
    if (!this.lost) this.worker.postMessage(request);
  }

  reply(): number {
    return this.nextReply++;
  }

  async stop(): Promise<void> {
    this.fail(new Md5ThreadError('The MD5 threads are closed'));
    await this.worker.terminate();
  }

  private fail(error: Error): void {
    if (this.lost) return;
    this.lost = error;
    for (const waiter of this.waiting.values()) waiter.reject(error);
    this.waiting.clear();
    this.onLost(this);
  }
}

/**
 * A few threads that hash bodies as they stream in. Each body stays on one thread (its MD5 state lives
 * there) and goes to the one hashing the fewest bodies; threads start when first needed, and one that
 * dies fails only the bodies it was hashing.
 */
export class Md5Threads {
  private readonly threads: HashThread[] = [];
  private nextBody = 1;
  private closed = false;

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError('Md5Threads needs at least one thread');
  }

  open(): Md5Digester {
    if (this.closed) throw new Md5ThreadError('The MD5 threads are closed');
    const thread = this.pick();
    const body = this.nextBody++;
    thread.bodies++;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      thread.bodies--;
    };
    return {
      update: async (chunks) => {
        const bytes = joined(chunks);
        await thread.ask({ op: 'update', body, reply: thread.reply(), bytes }, bytes);
      },
      digest: async () => {
        try {
          const hex = await thread.ask({ op: 'digest', body, reply: thread.reply() });
          return Buffer.from(hex ?? '', 'hex');
        } finally {
          finish();
        }
      },
      drop: () => {
        if (done) return;
        finish();
        thread.tell({ op: 'drop', body });
      },
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.threads.splice(0).map((thread) => thread.stop()));
  }

  private pick(): HashThread {
    let best: HashThread | undefined;
    for (const thread of this.threads) if (!best || thread.bodies < best.bodies) best = thread;
    if (best && (best.bodies === 0 || this.threads.length >= this.size)) return best;
    const thread = new HashThread((lost) => {
      const at = this.threads.indexOf(lost);
      if (at >= 0) this.threads.splice(at, 1);
    });
    this.threads.push(thread);
    return thread;
  }
}

/**
 * The batch in one buffer of its own, to hand over to the thread without a second copy: socket reads
 * may share their memory with other buffers, so they are copied once, here, and never shared after.
 */
function joined(chunks: readonly Buffer[]): ArrayBuffer {
  let length = 0;
  for (const chunk of chunks) length += chunk.length;
  const out = new Uint8Array(new ArrayBuffer(length));
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out.buffer;
}
