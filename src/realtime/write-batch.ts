// Frames a connection queues during one event-loop turn leave in one write at the end of the turn
// (setImmediate), instead of one write per event. Under load the events that arrive while a fan-out
// runs pile up and leave together, so the cost per delivery falls as the rate rises; at low rates a
// frame still leaves in the same turn. Connections that queued the same frames share one buffer.

export class FrameBatch {
  private frames: Buffer[] = [];
  private queuedBytes = 0;

  /** `send` gets the batch as one buffer; it decides whether the connection can still take it. */
  constructor(private readonly send: (bytes: Buffer) => void) {}

  /** Bytes queued and not yet handed to the transport (they count against the client's queue bound). */
  get bytes(): number {
    return this.queuedBytes;
  }

  push(frame: Buffer): void {
    if (this.frames.length === 0) schedule(this);
    this.frames.push(frame);
    this.queuedBytes += frame.length;
  }

  /** Hands what is queued to the transport now (before a close, so the close comes after it). */
  flush(): void {
    if (this.frames.length === 0) return;
    const frames = this.frames;
    this.frames = [];
    this.queuedBytes = 0;
    this.send(joined(frames));
  }

  /** Forgets what is queued (the connection is gone). */
  discard(): void {
    this.frames = [];
    this.queuedBytes = 0;
  }
}

let dirty: FrameBatch[] = [];
let scheduled = false;
/** The last multi-frame join, reused while the next batch holds the very same frames (one fan-out). */
let lastFrames: readonly Buffer[] = [];
let lastJoined: Buffer | undefined;

function schedule(batch: FrameBatch): void {
  dirty.push(batch);
  if (scheduled) return;
  scheduled = true;
  setImmediate(flushAll);
}

function flushAll(): void {
  const batches = dirty;
  dirty = [];
  scheduled = false;
  for (const batch of batches) {
    try {
      batch.flush();
    } catch {
      // A socket that fails mid-write closes itself; the others must still get their frames.
    }
  }
  lastFrames = [];
  lastJoined = undefined;
}

function sameFrames(a: readonly Buffer[], b: readonly Buffer[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function joined(frames: readonly Buffer[]): Buffer {
  if (frames.length === 1) return frames[0] as Buffer;
  if (lastJoined !== undefined && sameFrames(frames, lastFrames)) return lastJoined;
  lastFrames = frames;
  lastJoined = Buffer.concat(frames);
  return lastJoined;
}
