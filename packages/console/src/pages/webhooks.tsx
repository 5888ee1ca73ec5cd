// Webhook endpoints of one organization: create one (its signing secret shown once), enable or
// disable, send a test, delete (confirmed), and each endpoint's deliveries with a retry.
import { useCallback, useEffect, useState } from 'preact/hooks';
import { del, get, patch, post } from '../api/http.js';
import type { Page, WebhookDelivery, WebhookEndpoint, WebhookEndpointWithSecret } from '../api/types.js';
import { useDialogs } from '../components/dialogs.js';
import { Empty, ErrorNote } from '../components/notice.js';
import { OrgPicker, useOrgChoice } from '../components/org-picker.js';
import { formatTime, isolate } from '../format.js';
import { useAction, useLoad, useReloadOnReturn, useThrottled } from '../hooks.js';
import { useOrgEvents } from '../live/org-events.js';
import { Table } from '../components/table.js';
import { Pager, usePaged } from '../components/pager.js';

const eventsOf = (text: string): string[] | undefined => {
  const list = text.split(/[\s,]+/).map((s) => s.trim()).filter((s) => s !== '');
  return list.length === 0 ? undefined : list;
};

function CreateWebhook({ orgId, onCreated }: { orgId: string; onCreated: (w: WebhookEndpointWithSecret) => void }) {
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState('');
  const [description, setDescription] = useState('');
  const action = useAction();
  const submit = async (e: Event) => {
    e.preventDefault();
    await action.run(async () => {
      const body: Record<string, unknown> = { url };
      const ev = eventsOf(events);
      if (ev) body.events = ev;
      if (description.trim()) body.description = description.trim();
      const w = await post<WebhookEndpointWithSecret>(`/orgs/${encodeURIComponent(orgId)}/webhooks`, body);
      setUrl('');
      setEvents('');
      setDescription('');
      onCreated(w);
    });
  };
  return (
    <form class="card form-grid" onSubmit={submit} onInput={action.clear} aria-labelledby="create-wh-h">
      <h2 id="create-wh-h">Add an endpoint</h2>
      <div class="field wide">
        <label for="wh-url">URL</label>
        <input id="wh-url" type="url" required placeholder="https://hooks.example.com/capstan" value={url} onInput={(e) => setUrl(e.currentTarget.value)} />
      </div>
      <div class="field">
        <label for="wh-events">Events (optional, comma separated)</label>
        <input id="wh-events" placeholder="document.*, video.ready" value={events} onInput={(e) => setEvents(e.currentTarget.value)} />
        <span class="hint">Empty: every event.</span>
      </div>
      <div class="field">
        <label for="wh-description">Description (optional)</label>
        <input id="wh-description" maxLength={500} value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
      </div>
      <ErrorNote error={action.error} />
      <div class="actions"><button type="submit" class="primary" disabled={action.busy}>Add endpoint</button></div>
    </form>
  );
}

const DELIVERIES_PAGE = 50;
const STATUSES = ['pending', 'delivering', 'succeeded', 'failed', 'cancelled'] as const;
const isOpen = (d: WebhookDelivery) => d.status === 'pending' || d.status === 'delivering';

/**
 * When to read the deliveries again while one is still open: a delivery's outcome is no event of
 * the organization, so nothing else would tell the page. Soon for one being sent, at its next attempt
 * for one waiting (at most 30 s away, at least 1 s).
 */
function followUpMs(list: readonly WebhookDelivery[], now: number): number | null {
  let soonest: number | null = null;
  for (const d of list) {
    if (!isOpen(d)) continue;
    const at = d.status === 'pending' && d.next_attempt_at ? Date.parse(d.next_attempt_at) - now : 0;
    const ms = Math.min(30_000, Math.max(1_000, Number.isFinite(at) ? at : 0));
    soonest = soonest === null ? ms : Math.min(soonest, ms);
  }
  return soonest;
}

function Deliveries({ endpoint }: { endpoint: WebhookEndpoint }) {
  const [status, setStatus] = useState('');
  const endpointId = endpoint.id;
  const paged = usePaged(
    (limit, offset) => get<Page<WebhookDelivery>>(`/webhooks/${encodeURIComponent(endpointId)}/deliveries`, { limit, offset, status: status || undefined }),
    DELIVERIES_PAGE,
    [endpointId, status],
  );
  const deliveries = paged.load;
  // Each event of the organization may add a delivery: its live tail says when to read them again.
  const reload = useThrottled(deliveries.reload, 1000);
  useOrgEvents(endpoint.org_id, reload);
  const list = paged.rows;
  useEffect(() => {
    const ms = followUpMs(list, Date.now());
    if (ms === null) return;
    const timer = setTimeout(deliveries.reload, ms);
    return () => clearTimeout(timer);
  }, [deliveries.data]);
  const action = useAction();
  const retry = (d: WebhookDelivery) => action.run(async () => {
    await post(`/webhooks/${encodeURIComponent(endpointId)}/deliveries/${encodeURIComponent(d.id)}/retry`);
    deliveries.reload();
  });
  return (
    <div class="deliveries">
      <div class="item-head">
        <h4>Deliveries</h4>
        <div class="field inline">
          <label for={`status-${endpointId}`}>Status</label>
          <select id={`status-${endpointId}`} value={status} onChange={(e) => setStatus(e.currentTarget.value)}>
            <option value="">any</option>
            {STATUSES.map((s) => <option key={s} value={s}>{s}</option>)}
          </select>
        </div>
        <button type="button" onClick={deliveries.reload} disabled={deliveries.loading}>Refresh</button>
      </div>
      <ErrorNote error={deliveries.error ?? action.error} />
      {!endpoint.enabled && <p class="hint">The endpoint is disabled: enable it to retry its deliveries.</p>}
      {deliveries.data && list.length === 0 && paged.offset === 0 ? <Empty>{status ? `No ${status} deliveries.` : 'No deliveries yet — send a test above.'}</Empty> : (
        <Table label="Deliveries" testId="deliveries-table">
          <thead><tr><th scope="col">Event</th><th scope="col">Status</th><th scope="col">Attempts</th><th scope="col">Last answer</th><th scope="col">Updated</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
          <tbody>
            {list.map((d) => {
              const last = d.attempts[d.attempts.length - 1];
              return (
                <tr key={d.id}>
                  <th scope="row">{d.type} <span class="mono muted small">{d.event_id}</span></th>
                  <td><span class={`status status-${d.status}`}>{d.status}</span></td>
                  <td class="num">{d.attempt_count}</td>
                  <td>{last ? <>{last.outcome}{last.status_code !== null ? ` ${last.status_code}` : ''}{last.error && <>: <bdi>{last.error}</bdi></>}</> : '–'}</td>
                  <td>{formatTime(d.updated_at)}</td>
                  <td><button type="button" onClick={() => retry(d)} disabled={action.busy || !endpoint.enabled || d.status === 'delivering'} aria-label={`Retry delivery ${d.id}`}>Retry</button></td>
                </tr>
              );
            })}
          </tbody>
        </Table>
      )}
      <Pager paged={paged} size={DELIVERIES_PAGE} noun="deliveries" labels={['Newer', 'Older']} />
    </div>
  );
}

function EndpointItem({ w, onChanged, dialogs }: { w: WebhookEndpoint; onChanged: () => void; dialogs: ReturnType<typeof useDialogs> }) {
  const [open, setOpen] = useState(false);
  const [note, setNote] = useState<string | null>(null);
  const action = useAction();
  const base = `/webhooks/${encodeURIComponent(w.id)}`;
  const test = () => action.run(async () => {
    const d = await post<WebhookDelivery>(`${base}/test`);
    setNote(`Test message queued (${d.id}).`);
    setOpen(true);
  });
  const toggle = () => action.run(async () => {
    await patch<WebhookEndpoint>(base, { enabled: !w.enabled });
    onChanged();
  });
  const remove = () => dialogs.confirm({
    title: 'Delete this endpoint?',
    message: <p>Nothing more is sent to <bdi class="mono">{w.url}</bdi> and its open deliveries are cancelled.</p>,
    confirmLabel: 'Delete endpoint',
    onConfirm: async () => {
      await del(base);
      onChanged();
    },
  });
  const panel = `deliveries-${w.id}`;
  return (
    <li class="item" data-testid="webhook-item">
      <div class="item-head">
        <h3 class="mono"><bdi>{w.url}</bdi></h3>
        <span class={`tag ${w.enabled ? 'ok' : 'warn'}`}>{w.enabled ? 'enabled' : `disabled${w.disabled_reason ? ` (${w.disabled_reason})` : ''}`}</span>
      </div>
      <p class="muted">{w.description !== null ? <bdi data-testid="webhook-description">{w.description}</bdi> : 'No description'} · events: {w.events ? w.events.join(', ') : 'all'}{w.failing_since ? ` · failing since ${formatTime(w.failing_since)}` : ''}</p>
      <div class="actions">
        <button type="button" aria-expanded={open} aria-controls={panel} onClick={() => setOpen(!open)}>{open ? 'Hide deliveries' : 'Show deliveries'}</button>
        <button type="button" onClick={test} disabled={action.busy || !w.enabled}>Send test</button>
        <button type="button" onClick={toggle} disabled={action.busy}>{w.enabled ? 'Disable' : 'Enable'}</button>
        <button type="button" class="danger" onClick={remove}>Delete</button>
      </div>
      {note && <p role="status">{note}</p>}
      <ErrorNote error={action.error} />
      <div id={panel}>{open && <Deliveries key={note ?? ''} endpoint={w} />}</div>
    </li>
  );
}

export function Webhooks() {
  const [orgId, chooseOrg] = useOrgChoice('/webhooks');
  const endpoints = useLoad(orgId ? () => get<Page<WebhookEndpoint>>(`/orgs/${encodeURIComponent(orgId)}/webhooks`) : null, [orgId]);
  const dialogs = useDialogs();
  useReloadOnReturn(endpoints.reload);
  // An endpoint that keeps failing is disabled by the server; the organization's tail says so.
  const onEvent = useCallback((type: string) => {
    if (type === 'webhook.disabled') endpoints.reload();
  }, [endpoints.reload]);
  useOrgEvents(orgId, onEvent);
  const list = orgId ? endpoints.data?.data ?? [] : [];
  const created = (w: WebhookEndpointWithSecret) => {
    endpoints.reload();
    dialogs.showSecret({ title: 'Signing secret', secrets: [{ label: `Secret of ${isolate(w.url)}`, value: w.secret }] });
  };
  return (
    <>
      <h1>Webhooks</h1>
      <OrgPicker value={orgId} onChange={chooseOrg} />
      {!orgId ? <Empty>Choose an organization to see its webhook endpoints.</Empty> : (
        <>
          <CreateWebhook orgId={orgId} onCreated={created} />
          <section aria-labelledby="endpoints-h">
            <h2 id="endpoints-h">Endpoints</h2>
            <ErrorNote error={endpoints.error} />
            {endpoints.data && list.length === 0 ? <Empty>No endpoints yet — add one above.</Empty> : (
              <ul class="items">{list.map((w) => <EndpointItem key={w.id} w={w} onChanged={endpoints.reload} dialogs={dialogs} />)}</ul>
            )}
          </section>
        </>
      )}
      {dialogs.view}
    </>
  );
}
