// An event's frame is encoded once per codec and shared by every connection that sends it.
import type { EventRecord } from '../events/index.js';

/** Wraps `encode` (undefined: the surface does not show this event) with a per-event cache. */
export function cachedFrames(encode: (e: EventRecord) => string | undefined): (e: EventRecord) => Buffer | undefined {
  const cache = new WeakMap<EventRecord, Buffer | null>();
  return (e) => {
    let frame = cache.get(e);
    if (frame === undefined) {
      const text = encode(e);
      frame = text === undefined ? null : Buffer.from(text);
      cache.set(e, frame);
    }
    return frame ?? undefined;
  };
}
