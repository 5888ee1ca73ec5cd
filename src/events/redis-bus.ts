// The bus across nodes: Redis pub/sub, one channel per topic, subscribed while any local connection
// wants it. A message is parsed once per node and shared by every local subscriber. When the
// subscription connection comes back after an outage, local subscribers are told to resync from the
// durable log, so nothing published meanwhile is lost.
import type { RedisConnections } from '../redis/connect.js';
import type { Bus, BusHandler, BusMessage } from './bus.js';

export class RedisBus implements Bus {
  private readonly handlers = new Map<string, Set<BusHandler>>();
  private readonly pending = new Map<string, Promise<unknown>>();
  private wasDown = false;

  constructor(private readonly redis: RedisConnections) {
    redis.subscriber.on('messageBuffer', (channel: Buffer, payload: Buffer) => this.dispatch(channel.toString(), payload));
    redis.subscriber.on('close', () => (this.wasDown = true));
    redis.subscriber.on('ready', () => {
      if (!this.wasDown) return;
      this.wasDown = false;
      for (const [topic, set] of this.handlers) for (const h of [...set]) safe(h, { kind: 'resync', topic });
    });
  }

  private channel(topic: string): string {
    return `${this.redis.prefix}bus:${topic}`;
  }

  async publish(topic: string, message: BusMessage): Promise<void> {
    await this.redis.commands.publish(this.channel(topic), JSON.stringify(message));
  }

  async subscribe(topic: string, handler: BusHandler): Promise<() => void> {
    let set = this.handlers.get(topic);
    if (!set) {
      this.handlers.set(topic, (set = new Set()));
      this.pending.set(topic, this.redis.subscriber.subscribe(this.channel(topic)));
    }
    set.add(handler);
    await this.pending.get(topic);
    return () => {
      set.delete(handler);
      if (set.size === 0 && this.handlers.get(topic) === set) {
        this.handlers.delete(topic);
        this.pending.delete(topic);
        this.redis.subscriber.unsubscribe(this.channel(topic)).catch(() => undefined);
      }
    };
  }

  async close(): Promise<void> {
    this.handlers.clear();
  }

  private dispatch(channel: string, payload: Buffer): void {
    const topic = channel.slice(`${this.redis.prefix}bus:`.length);
    const set = this.handlers.get(topic);
    if (!set) return;
    let message: BusMessage;
    try {
      message = JSON.parse(payload.toString('utf8')) as BusMessage;
    } catch {
      return;
    }
    for (const h of [...set]) safe(h, message);
  }
}

function safe(handler: BusHandler, message: BusMessage): void {
  try {
    handler(message);
  } catch {
    // One failing subscriber must not stop delivery to the others.
  }
}
