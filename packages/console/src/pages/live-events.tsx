// The live event tail: one scope (an organization, hub, document, video or job) and an optional type
// prefix, newest first and capped, so that a flood of events never freezes the page. Events arrive in
// batches a few times a second; a paused tail keeps receiving and shows what it holds back.
import { useEffect, useRef, useState } from 'preact/hooks';
import { describeError } from '../api/http.js';
import { openStream, type StreamState } from '../api/sse.js';
import type { LiveEvent } from '../api/types.js';
import { Empty, ErrorNote, LiveBadge } from '../components/notice.js';
import { formatBytes, formatJson, formatTime } from '../format.js';
import { navigate, useRoute } from '../router.js';
import { Table } from '../components/table.js';

export const MAX_ROWS = 500;
const FLUSH_MS = 200;
const SCOPES = [
  { value: 'org_id', label: 'Organization' },
  { value: 'hub_id', label: 'Hub' },
  { value: 'document_id', label: 'Document' },
  { value: 'video_id', label: 'Video' },
  { value: 'job_id', label: 'Organize job' },
] as const;
type Scope = (typeof SCOPES)[number]['value'];
const isScope = (s: string | null): s is Scope => SCOPES.some((x) => x.value === s);

interface Watch {
  scope: Scope;
  id: string;
  type: string;
  after: string;
}

function readWatch(q: URLSearchParams): Watch {
  const scope = q.get('scope');
  return { scope: isScope(scope) ? scope : 'org_id', id: q.get('id') ?? '', type: q.get('type') ?? '', after: q.get('after') ?? '' };
}

function toQuery(w: Watch): string {
  const q = new URLSearchParams();
  q.set('scope', w.scope);
  if (w.id) q.set('id', w.id);
  if (w.type) q.set('type', w.type);
  if (w.after) q.set('after', w.after);
  return `/events?${q.toString()}`;
}

/** Newest first, at most MAX_ROWS, no id twice. */
function merge(current: LiveEvent[], incoming: LiveEvent[]): LiveEvent[] {
  const seen = new Set(current.map((e) => e.id));
  const fresh = incoming.filter((e) => !seen.has(e.id) && (seen.add(e.id), true)).reverse();
  return fresh.concat(current).slice(0, MAX_ROWS);
}

/** Keyed by the watch in the URL: a new one (Resume from here, back/forward) starts a fresh draft. */
function WatchForm({ watch }: { watch: Watch }) {
  const [draft, setDraft] = useState(watch);
  const submit = (e: Event) => {
    e.preventDefault();
    navigate(toQuery({ ...draft, id: draft.id.trim(), type: draft.type.trim(), after: draft.after.trim() }), { replace: true });
  };
  return (
    <form class="card form-grid" onSubmit={submit} aria-label="What to watch">
      <div class="field">
        <label for="ev-scope">Scope</label>
        <select id="ev-scope" value={draft.scope} onChange={(e) => { const v = e.currentTarget.value; if (isScope(v)) setDraft({ ...draft, scope: v }); }}>
          {SCOPES.map((s) => <option key={s.value} value={s.value}>{s.label}</option>)}
        </select>
      </div>
      <div class="field">
        <label for="ev-id">Id</label>
        <input id="ev-id" class="mono" required placeholder="org_…" value={draft.id} onInput={(e) => setDraft({ ...draft, id: e.currentTarget.value })} />
      </div>
      <div class="field">
        <label for="ev-type">Type prefix (optional)</label>
        <input id="ev-type" placeholder="document." value={draft.type} onInput={(e) => setDraft({ ...draft, type: e.currentTarget.value })} />
      </div>
      <div class="field">
        <label for="ev-after">After event id (optional)</label>
        <input id="ev-after" class="mono" value={draft.after} onInput={(e) => setDraft({ ...draft, after: e.currentTarget.value })} />
      </div>
      <div class="actions"><button type="submit" class="primary">Watch</button></div>
    </form>
  );
}

function EventDetail({ event, onResume, onClose }: { event: LiveEvent; onResume: () => void; onClose: () => void }) {
  return (
    <section class="card detail" aria-labelledby="event-detail-h" data-testid="event-detail">
      <div class="item-head">
        <h2 id="event-detail-h">{event.type}</h2>
        {event.truncated && <span class="badge warn">truncated ({event.size_bytes} bytes)</span>}
      </div>
      <p class="mono muted">{event.id}</p>
      <pre class="json" tabIndex={0} role="region" aria-label="The event as JSON">{formatJson(event)}</pre>
      <div class="actions">
        <button type="button" onClick={onResume}>Resume from here</button>
        <button type="button" onClick={onClose}>Close</button>
      </div>
    </section>
  );
}

export function LiveEvents() {
  const route = useRoute();
  const watch = readWatch(route.query);
  const [rows, setRows] = useState<LiveEvent[]>([]);
  const [held, setHeld] = useState<LiveEvent[]>([]);
  const [paused, setPaused] = useState(false);
  const key = toQuery(watch);
  // The state of the stream of one watch: a new watch shows "connecting" until its own stream says more.
  const [stream, setStream] = useState<{ key: string; state: StreamState }>({ key: '', state: 'closed' });
  const state = stream.key === key ? stream.state : 'connecting';
  const [error, setError] = useState<string | null>(null);
  const [selected, setSelected] = useState<LiveEvent | null>(null);
  const pending = useRef<LiveEvent[]>([]);
  const pausedRef = useRef(paused);
  pausedRef.current = paused;

  useEffect(() => {
    setRows([]);
    setHeld([]);
    setSelected(null);
    setError(null);
    if (!watch.id) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const flush = () => {
      timer = undefined;
      const batch = pending.current.slice(-MAX_ROWS);
      pending.current = [];
      if (pausedRef.current) setHeld((h) => merge(h, batch));
      else setRows((r) => merge(r, batch));
    };
    const stream = openStream('/live/events', {
      query: { [watch.scope]: watch.id, type: watch.type || undefined, after: watch.after || undefined },
      resumeParam: 'after',
      events: {
        event: (d) => {
          pending.current.push(d as LiveEvent);
          if (pending.current.length > MAX_ROWS * 2) pending.current = pending.current.slice(-MAX_ROWS);
          timer ??= setTimeout(flush, FLUSH_MS);
        },
      },
      onState: (s) => setStream({ key, state: s }),
      onError: (e) => setError(describeError(e)),
      onStaleCursor: () => setError('That event is older than the server keeps for replay: showing events from now on.'),
    });
    return () => {
      clearTimeout(timer);
      pending.current = [];
      stream.close();
    };
  }, [key]);

  const togglePause = () => {
    if (paused) {
      setRows((r) => merge(r, [...held].reverse()));
      setHeld([]);
    }
    setPaused(!paused);
  };
  const resumeFrom = (e: LiveEvent) => navigate(toQuery({ ...watch, after: e.id }), { replace: true });

  return (
    <>
      <div class="page-head">
        <h1>Live events</h1>
        {watch.id && <LiveBadge state={state} />}
      </div>
      <WatchForm key={key} watch={watch} />
      <ErrorNote error={error} />
      {watch.after && <p class="cursor" data-testid="cursor">Cursor: <span class="mono">after={watch.after}</span></p>}
      {!watch.id ? <Empty>Pick a scope and enter its id above to start the live tail.</Empty> : (
        <div class="split">
          <section aria-labelledby="tail-h" class="tail">
            <div class="item-head">
              <h2 id="tail-h">Events <span class="muted">({rows.length}{rows.length >= MAX_ROWS ? `, the newest ${MAX_ROWS}` : ''})</span></h2>
              <button type="button" aria-pressed={paused} onClick={togglePause}>{paused ? 'Resume' : 'Pause'}</button>
              <button type="button" onClick={() => { setRows([]); setHeld([]); setSelected(null); }}>Clear</button>
              {paused && <span class="badge" role="status">{held.length} held while paused</span>}
            </div>
            {rows.length === 0 ? <Empty>No events yet — they appear here as they happen.</Empty> : (
              <Table label="Events, newest first" testId="events-table">
                <thead><tr><th scope="col">When</th><th scope="col">Type</th><th scope="col">Size</th><th scope="col">Id</th></tr></thead>
                <tbody>
                  {rows.map((e) => (
                    <tr key={e.id} data-testid="event-row" data-event-id={e.id} class={selected?.id === e.id ? 'selected' : ''} onClick={() => setSelected(e)}>
                      <td>{formatTime(e.created_at)}</td>
                      <td><button type="button" class="link" onClick={(ev) => { ev.stopPropagation(); setSelected(e); }}>{e.type}</button></td>
                      <td>{e.truncated ? <span class="badge warn">truncated ({e.size_bytes} bytes)</span> : formatBytes(e.size_bytes)}</td>
                      <td class="mono small">{e.id}</td>
                    </tr>
                  ))}
                </tbody>
              </Table>
            )}
          </section>
          {selected && <EventDetail event={selected} onResume={() => resumeFrom(selected)} onClose={() => setSelected(null)} />}
        </div>
      )}
    </>
  );
}
