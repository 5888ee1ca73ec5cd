// What a webhook carries for an event of the log: the Standard Webhooks body {type, timestamp, data},
// data being the payload the streams carry plus the event's ids, and — for a document.status whose
// status is terminal — a document.completed or document.failed message right behind it.
import { createHash } from 'node:crypto';
import type { EventRecord } from '../events/index.js';
import { organizerFrame } from '../organizer/index.js';

export interface WebhookMessage {
  /** The webhook-id: the event's UUIDv7, or for a derived message one derived from it. */
  readonly id: string;
  readonly type: string;
  /** Order of first attempts: the source event's id, its derived message right after it. */
  readonly orderKey: string;
  /** The exact body every attempt sends. */
  readonly body: string;
}

const SCOPE_IDS = ['document_id', 'video_id', 'job_id', 'space_id', 'contact_ids'] as const;

/**
 * The stream's payload plus the ids the event is about (those its payload does not already name). An
 * organizer event's payload is the organizer socket's message, `type` (`job_complete`) included.
 */
export function messageData(event: EventRecord): Record<string, unknown> {
  const data: Record<string, unknown> = organizerFrame(event) ?? { ...event.data };
  if (event.topic.startsWith('hub:') && data.hub_id === undefined) data.hub_id = event.topic.slice(4);
  for (const key of SCOPE_IDS) if (data[key] === undefined && event.scope[key] !== undefined) data[key] = event.scope[key];
  return data;
}

export function messageBody(type: string, timestamp: string, data: Readonly<Record<string, unknown>>): string {
  return JSON.stringify({ type, timestamp, data });
}

/**
 * A UUIDv7 for a message derived from an event: the event's millisecond and version, the rest from a
 * hash of (event id, type), so every endpoint and every retry sees the same id.
 */
export function derivedId(eventId: string, type: string): string {
  const h = createHash('sha256').update(`${eventId}\u0000${type}`).digest('hex');
  const variant = ((parseInt(h[3]!, 16) & 0x3) | 0x8).toString(16);
  return `${eventId.slice(0, 8)}-${eventId.slice(9, 13)}-7${h.slice(0, 3)}-${variant}${h.slice(4, 7)}-${h.slice(7, 19)}`;
}

export function messagesFor(event: EventRecord): WebhookMessage[] {
  const data = messageData(event);
  const out: WebhookMessage[] = [{ id: event.id, type: event.type, orderKey: `${event.id}.0`, body: messageBody(event.type, event.createdAt, data) }];
  if (event.type === 'document.status' && (data.status === 'completed' || data.status === 'failed')) {
    const type = `document.${data.status}`;
    out.push({ id: derivedId(event.id, type), type, orderKey: `${event.id}.1`, body: messageBody(type, event.createdAt, data) });
  }
  return out;
}
