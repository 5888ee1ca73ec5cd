// Frames a connection queues during one event-loop turn leave in one write at the end of the turn
// (setImmediate), instead of one write per event. Under load the events that arrive while a fan-out
// runs pile up and leave together, so the cost per delivery falls as the rate rises; at low rates a
// frame still leaves in the same turn. Connections that queued the same frames share one buffer.

export class FrameBatch {
  private frames: Buffer[] = [];
  private queuedBytes = 0;
  /** What the transport held when this turn's first frame was queued. */
  private transportBytes = 0;

  /**
   * `send` gets the batch as one buffer; it decides whether the connection can still take it.
   * `transportQueued` tells what the transport holds unsent (its own buffers, not the kernel's).
   */
  constructor(
    private readonly send: (bytes: Buffer) => void,
    private readonly transportQueued: () => number = () => 0,
  ) {}

  /** Bytes queued and not yet handed to the transport. */
  get bytes(): number {
    return this.queuedBytes;
  }

  /**
   * Bytes the client has not taken yet, here and in the transport: what counts against its queue bound.
   * The transport's share is read once a turn (it only falls, when the kernel takes bytes, between
   * turns), so a fan-out does not ask every socket again for every event it queues.
   */
  queued(): number {
    return this.frames.length === 0 ? this.transportQueued() : this.queuedBytes + this.transportBytes;
  }

  push(frame: Buffer): void {
    if (this.frames.length === 0) {
      this.transportBytes = this.transportQueued();
      schedule(this);
    }
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
