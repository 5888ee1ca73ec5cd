// The bus wakes every node when events commit. It carries wake-ups, never the only copy: a node that
// misses one reads the log (see feed.ts). Embedded mode uses this in-process bus; scaled mode puts
// Redis behind the same interface.
import type { EventRecord } from './types.js';

export type BusMessage =
  | { readonly kind: 'event'; readonly event: EventRecord }
  /** The bus may have missed messages (it reconnected after an outage): catch up from the log. */
  | { readonly kind: 'resync'; readonly topic: string };

export type BusHandler = (message: BusMessage) => void;

export interface Bus {
  publish(topic: string, message: BusMessage): Promise<void>;
  /** Registers `handler` for `topic`; resolves once the subscription is live. Returns the unsubscribe. */
  subscribe(topic: string, handler: BusHandler): Promise<() => void>;
  close(): Promise<void>;
}

export class MemoryBus implements Bus {
  private readonly topics = new Map<string, Set<BusHandler>>();

  async publish(topic: string, message: BusMessage): Promise<void> {
    const handlers = this.topics.get(topic);
    if (!handlers) return;
    for (const handler of [...handlers]) {
      try {
        handler(message);
      } catch {
        // One failing subscriber must not stop delivery to the others; connections log their own errors.
      }
    }
  }

  async subscribe(topic: string, handler: BusHandler): Promise<() => void> {
    let handlers = this.topics.get(topic);
    if (!handlers) this.topics.set(topic, (handlers = new Set()));
    handlers.add(handler);
    return () => {
      handlers.delete(handler);
      if (handlers.size === 0 && this.topics.get(topic) === handlers) this.topics.delete(topic);
    };
  }

  async close(): Promise<void> {
    this.topics.clear();
  }
}
