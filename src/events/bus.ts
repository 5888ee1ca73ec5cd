// The bus wakes subscribers on every node when something is published. Embedded mode uses this
// in-process bus; scaled mode puts Redis behind the same interface, so nothing above may assume one process.
import type { EventRecord } from './types.js';

/** Events, and control messages that change who may see them (access changes on a hub). */
export type BusMessage =
  | { readonly kind: 'event'; readonly event: EventRecord }
  | { readonly kind: 'access'; readonly hubId: string; readonly contactIds?: readonly string[]; readonly revoke?: boolean }
  /** The bus may have missed messages (a Redis outage): catch up from the durable log. */
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
