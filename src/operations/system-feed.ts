// The node-wide sampler behind the operators' system stream: it runs only while someone watches, and
// every watcher shares its frames — nodes every 5 s, the work in flight when it changed (checked each
// second), the open connections when they changed (checked every 2 s).
import type { Logger } from '../http/index.js';
import { namedFrame } from './event-tail.js';

export interface SystemSources {
  readonly nodes: () => Promise<unknown>;
  readonly work: () => Promise<unknown>;
  readonly connections: () => Promise<unknown>;
}

export type FrameListener = (frame: string) => void;

interface Channel {
  readonly name: 'nodes' | 'work' | 'connections';
  readonly everyMs: number;
  /** Sent at every check, or only when it changed. */
  readonly always: boolean;
  last: string | undefined;
  running: boolean;
  timer: NodeJS.Timeout | undefined;
}

export class SystemFeed {
  private readonly watchers = new Set<FrameListener>();
  private readonly channels: Channel[] = [
    { name: 'nodes', everyMs: 5000, always: true, last: undefined, running: false, timer: undefined },
    { name: 'work', everyMs: 1000, always: false, last: undefined, running: false, timer: undefined },
    { name: 'connections', everyMs: 2000, always: false, last: undefined, running: false, timer: undefined },
  ];

  constructor(
    private readonly sources: SystemSources,
    private readonly logger: Logger,
  ) {}

  /** Starts the sampler with the first watcher; a later watcher gets the latest frames at once. */
  watch(listener: FrameListener): () => void {
    this.watchers.add(listener);
    if (this.watchers.size === 1) this.start();
    else for (const c of this.channels) if (c.last !== undefined) listener(c.last);
    return () => {
      if (this.watchers.delete(listener) && this.watchers.size === 0) this.stop();
    };
  }

  private start(): void {
    for (const c of this.channels) {
      void this.check(c);
      c.timer = setInterval(() => void this.check(c), c.everyMs);
      c.timer.unref();
    }
  }

  private stop(): void {
    for (const c of this.channels) {
      clearInterval(c.timer);
      c.timer = undefined;
      c.last = undefined;
    }
  }

  private async check(c: Channel): Promise<void> {
    if (c.running) return;
    c.running = true;
    try {
      const frame = namedFrame(c.name, await this.sources[c.name]());
      if (this.watchers.size === 0) return;
      if (!c.always && frame === c.last) return;
      c.last = frame;
      for (const w of [...this.watchers]) w(frame);
    } catch (e) {
      this.logger.warn({ err: e, frame: c.name }, 'sampling for the system stream failed');
    } finally {
      c.running = false;
    }
  }
}
