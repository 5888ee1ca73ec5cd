// The invariants the chaos suite checks, and the recorder every iteration reports through. An
// invariant is named once here (the report and docs/reliability.md use the same names); a violation
// carries the evidence a reader needs to see what went wrong without re-running.

export const INVARIANTS = {
  'cluster.no-unexpected-exit': 'no node exits unless the suite killed it',
  'writes.redis-outage': 'a Redis outage delays delivery but never fails a write: no upload, publish, ban or complete sent while Redis is down answers 5xx',
  'documents.accepted': 'every upload, retried with its Idempotency-Key on network errors and 5xx, is accepted (201) within the bound',
  'documents.terminal': 'every accepted upload (201) ends completed or failed (GET /status) within the bound',
  'documents.one-per-key': 'one Idempotency-Key makes one document: every 201 for a key names the same document, and the organization lists exactly the accepted documents',
  'documents.ledger': 'balance = initial − Σ cost of documents not failed (failed ones refunded), on GET /credits and the admin organization',
  'documents.stream-order': 'on the documents SSE stream ids never repeat and strictly increase',
  'documents.stream-changes': "each status change arrives once: a document's (status, progress) never repeats twice in a row",
  'documents.stream-terminal': 'each accepted document gets exactly one terminal status message on the stream, last, matching GET /status',
  'documents.stream-alive': 'the documents stream is never ended for good (stale resume, refusal) by a fault',
  'hub.delivered': 'every acknowledged publish (202) reaches every subscriber within the bound after the fault heals',
  'hub.exactly-once': 'no payload n arrives twice, and the event delivered for n is the one whose id the publish acknowledged',
  'hub.order': "each subscriber's event ids strictly increase",
  'hub.agreement': 'all subscribers see the same sequence of events',
  'hub.refused-not-applied': 'a publish refused on every attempt (an HTTP error, no network doubt) is never delivered',
  'hub.subscriber-alive': 'a member subscriber is never ended for good (stale resume, 404, unauthorized)',
  'access.ban-acknowledged': 'the ban answers 2xx (retried on network errors and 5xx) within the bound',
  'access.no-events-after-ban': 'after the ban is acknowledged, the banned contact receives no hub event published after it',
  'access.unauthorized-terminal': "each of the banned contact's streams ends with stream.unauthorized (a stream whose node was killed may instead be refused with 404 on reconnect) within the bound after the heal",
  'access.reconnect-refused': 'the banned contact cannot open a stream on any node (404)',
  'access.members-receive': 'the other members receive every acknowledged publish exactly once, in order',
  'video.settles': 'a completed upload never stays uploaded-but-unprocessed: the video ends ready or failed, or is deleted, within the bound',
  'video.ready-reported': 'each video that ends ready is reported by exactly one video.ready event on the developer event stream',
  'video.deleted-not-billed': 'a video deleted before it was measured is never billed',
  'video.billed-once': 'the ledger moves by exactly the price of the measured videos (ready, or reported ready before a delete): none billed twice',
} as const;

export type InvariantName = keyof typeof INVARIANTS;

export interface Violation {
  readonly scenario: string;
  readonly iteration: number;
  readonly fault: string;
  readonly invariant: InvariantName;
  readonly detail: string;
}

/** Counts checks and collects violations for one iteration. */
export class Checks {
  checksRun = 0;
  readonly violations: Violation[] = [];

  constructor(
    private readonly scenario: string,
    private readonly iteration: number,
    private readonly fault: string,
  ) {}

  /** Records one check; `detail` is computed only when it fails. Returns `ok`. */
  expect(invariant: InvariantName, ok: boolean, detail: () => string): boolean {
    this.checksRun++;
    if (!ok) this.violations.push({ scenario: this.scenario, iteration: this.iteration, fault: this.fault, invariant, detail: detail() });
    return ok;
  }
}

/** The first place where `ids` does not strictly increase, or undefined. */
export function firstOutOfOrder(ids: readonly string[]): { index: number; previous: string; next: string } | undefined {
  for (let i = 1; i < ids.length; i++) {
    const previous = ids[i - 1] as string;
    const next = ids[i] as string;
    if (next <= previous) return { index: i, previous, next };
  }
  return undefined;
}

/** Values that occur more than once, each with its count. */
export function repeated<T>(values: readonly T[]): Map<T, number> {
  const counts = new Map<T, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  for (const [v, n] of counts) if (n < 2) counts.delete(v);
  return counts;
}

/** Short list for messages: the first few items, and how many more. */
export function sample<T>(items: readonly T[], max = 5): string {
  const shown = items.slice(0, max).map((i) => (typeof i === 'string' ? i : JSON.stringify(i)));
  return items.length > max ? `${shown.join(', ')} … (+${items.length - max} more)` : shown.join(', ');
}
