// Publishing: check the type, append durably, then wake subscribers through the bus. Appends to one
// topic are serialized in this process so subscribers see ids in increasing order.
import { AppError } from '../http/errors.js';
import { uuidv7 } from '../util/ids.js';
import type { Bus } from './bus.js';
import type { EventLog } from './log.js';
import type { EventTypeRegistry } from './registry.js';
import type { EventRecord, NewEvent } from './types.js';

export class EventPublisher {
  private readonly chains = new Map<string, Promise<unknown>>();

  constructor(
    private readonly registry: EventTypeRegistry,
    private readonly log: EventLog,
    private readonly bus: Bus,
    private readonly maxPayloadBytes: number,
  ) {}

  async publish(input: NewEvent): Promise<EventRecord> {
    if (!this.registry.has(input.type)) throw new AppError('invalid_request', `Unknown event type "${input.type}"`);
    const body = JSON.stringify(input.data);
    if (Buffer.byteLength(body) > this.maxPayloadBytes) throw new AppError('payload_too_large', `Event data is larger than ${this.maxPayloadBytes} bytes`);
    const previous = this.chains.get(input.topic) ?? Promise.resolve();
    const run = previous.then(async () => {
      // The id is minted inside the chain, so ids and publish order agree for this topic.
      const event: EventRecord = { id: uuidv7(), topic: input.topic, orgId: input.orgId, type: input.type, scope: input.scope ?? {}, data: input.data, createdAt: new Date().toISOString() };
      await this.log.append(event);
      await this.bus.publish(input.topic, { kind: 'event', event });
      return event;
    });
    const settled = run.catch(() => undefined);
    this.chains.set(input.topic, settled);
    void settled.then(() => {
      if (this.chains.get(input.topic) === settled) this.chains.delete(input.topic);
    });
    return run;
  }
}
