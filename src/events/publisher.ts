// Publishing: check the type, append durably, then wake subscribers through the bus. The sequencer
// serializes each topic (across the cluster in scaled mode) so subscribers see ids in increasing order.
import { AppError } from '../http/errors.js';
import type { Bus } from './bus.js';
import type { EventLog } from './log.js';
import type { EventTypeRegistry } from './registry.js';
import type { Sequencer } from './sequencer.js';
import type { EventRecord, NewEvent } from './types.js';

export class EventPublisher {
  constructor(
    private readonly registry: EventTypeRegistry,
    private readonly log: EventLog,
    private readonly bus: Bus,
    private readonly sequencer: Sequencer,
    private readonly maxPayloadBytes: number,
  ) {}

  async publish(input: NewEvent): Promise<EventRecord> {
    if (!this.registry.has(input.type)) throw new AppError('invalid_request', `Unknown event type "${input.type}"`);
    const body = JSON.stringify(input.data);
    if (Buffer.byteLength(body) > this.maxPayloadBytes) throw new AppError('payload_too_large', `Event data is larger than ${this.maxPayloadBytes} bytes`);
    return this.sequencer.next(input.topic, async (id) => {
      const event: EventRecord = { id, topic: input.topic, orgId: input.orgId, type: input.type, scope: input.scope ?? {}, data: input.data, createdAt: new Date().toISOString() };
      await this.log.append(event);
      await this.bus.publish(input.topic, { kind: 'event', event });
      return event;
    });
  }
}
