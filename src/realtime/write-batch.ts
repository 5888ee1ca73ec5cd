// Frames a connection queues during one event-loop turn leave in one write at the end of the turn
// (setImmediate), instead of one write per event. Under load the events that arrive while a fan-out
// runs pile up and leave together, so the cost per delivery falls as the rate rises; at low rates a
// frame still leaves in the same turn. Connections that queued the same frames share one buffer.
// A flush to many connections yields to the event loop every few milliseconds, so that new
// connections, requests and publishes are not held behind one event's ten thousand socket writes.
// The writes of a pass go after its answers (util/end-of-pass.ts), so publishers send on meanwhile.
import { atEndOfPass } from '../util/end-of-pass.js';

/** Frame slots a batch keeps between turns; one that grew past this (a replay page) starts afresh. */
const KEPT_SLOTS = 16;
const NO_FRAME = Buffer.alloc(0);

/** Where a batch goes: the transport under one connection (its wire, without a closure of its own). */
export interface BatchSink {
  /** Gets the batch as one buffer; it decides whether the connection can still take it. */
  sendBatch(bytes: Buffer): void;
  /** What the transport holds unsent (its own buffers, not the kernel's). */
  transportQueued(): number;
}

export class FrameBatch {
  /** This turn's frames are the first `count` slots: the array is reused turn after turn. */
  private frames: Buffer[] = [];
  private count = 0;
  private queuedBytes = 0;
  /** What the transport held when this turn's first frame was queued. */
  private transportBytes = 0;

  constructor(private readonly sink: BatchSink) {}

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
    return this.count === 0 ? this.sink.transportQueued() : this.queuedBytes + this.transportBytes;
  }

  push(frame: Buffer): void {
    if (this.count === 0) {
      this.transportBytes = this.sink.transportQueued();
      schedule(this);
    }
    this.frames[this.count++] = frame;
    this.queuedBytes += frame.length;
  }

  /** Hands what is queued to the transport now (before a close, so the close comes after it). */
  flush(): void {
    if (this.count === 0) return;
    const bytes = joined(this.frames, this.count);
    this.clear();
    this.sink.sendBatch(bytes);
  }

  /** Forgets what is queued (the connection is gone). */
  discard(): void {
    this.clear();
  }

  private clear(): void {
    if (this.count > KEPT_SLOTS) this.frames = [];
    // The slots let go of the frames they held, so an idle connection keeps no event alive.
    else for (let i = 0; i < this.count; i++) this.frames[i] = NO_FRAME;
    this.count = 0;
    this.queuedBytes = 0;
  }
}

/** How long one pass of flushing runs before it lets the event loop take I/O, and how often it looks. */
const FLUSH_SLICE_MS = 10;
const CLOCK_EVERY = 32;

/** Batches with frames to write, in the order they got their first; `next` is where the pass stands. */
let dirty: FrameBatch[] = [];
let next = 0;
let scheduled = false;
/** The last multi-frame join, reused while the next batch holds the very same frames (one fan-out). */
let lastFrames: readonly Buffer[] = [];
let lastJoined: Buffer | undefined;

function schedule(batch: FrameBatch): void {
  dirty.push(batch);
  if (scheduled) return;
  scheduled = true;
  atEndOfPass('writes', flushAll);
}

function flushAll(): void {
  const started = performance.now();
  // Batches queued while a pass runs (or between its slices) join the same list and leave in it.
  while (next < dirty.length) {
    const batch = dirty[next++]!;
    try {
      batch.flush();
    } catch {
      // A socket that fails mid-write closes itself; the others must still get their frames.
    }
    if (next % CLOCK_EVERY === 0 && next < dirty.length && performance.now() - started > FLUSH_SLICE_MS) {
      atEndOfPass('writes', flushAll);
      return;
    }
  }
  dirty = [];
  next = 0;
  scheduled = false;
  lastFrames = [];
  lastJoined = undefined;
}

/** Whether the first `count` of `frames` are the very frames of `last`. */
function sameFrames(frames: readonly Buffer[], count: number, last: readonly Buffer[]): boolean {
  if (count !== last.length) return false;
  for (let i = 0; i < count; i++) if (frames[i] !== last[i]) return false;
  return true;
}

function joined(frames: readonly Buffer[], count: number): Buffer {
  if (count === 1) return frames[0] as Buffer;
  if (lastJoined !== undefined && sameFrames(frames, count, lastFrames)) return lastJoined;
  lastFrames = frames.slice(0, count);
  lastJoined = Buffer.concat(lastFrames);
  return lastJoined;
}
