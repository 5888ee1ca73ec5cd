// Writing events: check the type and size, then append inside the caller's transaction, so an event
// exists exactly when the change it reports does (the outbox). The relay wakes subscribers after the
// commit; a change with no state of its own (a server-side publish) gets a transaction of its own.
import { AppError } from '../http/errors.js';
import type { Repos, Storage } from '../storage/index.js';
import type { EventTypeRegistry } from './registry.js';
import type { EventRecord, NewEvent } from './types.js';

export class EventPublisher {
  constructor(
    private readonly registry: EventTypeRegistry,
    private readonly storage: Storage,
    private readonly maxPayloadBytes: number,
  ) {}

  /** Appends `input` in the transaction `tx`; it is delivered once `tx` commits, and never if it rolls back. */
  async append(tx: Repos, input: NewEvent): Promise<EventRecord> {
    const data = this.encode(input);
    const createdAt = new Date().toISOString();
    const scope = input.scope ?? {};
    const row = await tx.events.append({ topic: input.topic, org_id: input.orgId, type: input.type, scope: JSON.stringify(scope), data, created_at: createdAt });
    return { id: row.id, seq: row.seq, topic: input.topic, orgId: input.orgId, type: input.type, scope, data: input.data, createdAt };
  }

  /** Whether callers of the publish API may send `type` (registered, not internal). */
  isPublic(type: string): boolean {
    return this.registry.isPublic(type);
  }

  /** One event with no change of its own (a server-side publish): committed alone, atomically. */
  async publish(input: NewEvent): Promise<EventRecord> {
    const data = this.encode(input);
    const createdAt = new Date().toISOString();
    const scope = input.scope ?? {};
    const row = await this.storage.events.append({ topic: input.topic, org_id: input.orgId, type: input.type, scope: JSON.stringify(scope), data, created_at: createdAt });
    return { id: row.id, seq: row.seq, topic: input.topic, orgId: input.orgId, type: input.type, scope, data: input.data, createdAt };
  }

  private encode(input: NewEvent): string {
    if (!this.registry.has(input.type)) throw new AppError('invalid_request', `Unknown event type "${input.type}"`);
    const body = JSON.stringify(input.data);
    if (Buffer.byteLength(body) > this.maxPayloadBytes) throw new AppError('payload_too_large', `Event data is larger than ${this.maxPayloadBytes} bytes`);
    return body;
  }
}
