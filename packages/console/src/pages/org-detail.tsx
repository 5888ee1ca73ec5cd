// One organization: balance and usage, credits and ledger, keys, apps and hubs. It refreshes itself
// (at most once a second) whenever the organization's live event tail reports something.
import { useState } from 'preact/hooks';
import { get } from '../api/http.js';
import type { Counts, Hub, OrgWithKeys, Page, Usage } from '../api/types.js';
import { useDialogs } from '../components/dialogs.js';
import { Empty, ErrorNote } from '../components/notice.js';
import { formatCredits, formatInt, formatTime } from '../format.js';
import { useLoad, useReloadOnReturn, useThrottled } from '../hooks.js';
import { useOrgEvents } from '../live/org-events.js';
import { Link } from '../router.js';
import { OrgApps } from './org-apps.js';
import { OrgCredits } from './org-credits.js';
import { OrgKeys } from './org-keys.js';

const countsText = (c: Counts) => `${formatInt(c.total)} total, ${formatInt(c.completed)} completed, ${formatInt(c.failed)} failed, ${formatInt(c.in_flight)} in flight`;

function UsageView({ orgId, refresh }: { orgId: string; refresh: number }) {
  const usage = useLoad(() => get<Usage>(`/orgs/${encodeURIComponent(orgId)}/usage`), [orgId, refresh]);
  const u = usage.data;
  return (
    <section aria-labelledby="usage-h" class="card">
      <h2 id="usage-h">Usage</h2>
      <ErrorNote error={usage.error} />
      {u && (
        <dl class="facts">
          <dt>Documents</dt><dd>{countsText(u.documents)}</dd>
          <dt>Videos</dt><dd>{countsText(u.videos)}</dd>
          <dt>Organize jobs</dt><dd>{countsText(u.organize_jobs)}</dd>
          <dt>Credits granted</dt><dd>{formatCredits(u.credits_granted_micro)}</dd>
          <dt>Credits spent</dt><dd>{formatCredits(u.credits_spent_micro)}</dd>
          <dt>Active API keys</dt><dd>{formatInt(u.api_keys_active)}</dd>
        </dl>
      )}
    </section>
  );
}

function OrgHubs({ orgId, refresh }: { orgId: string; refresh: number }) {
  const hubs = useLoad(() => get<Page<Hub>>(`/orgs/${encodeURIComponent(orgId)}/hubs`), [orgId, refresh]);
  const list = hubs.data?.data ?? [];
  return (
    <section aria-labelledby="org-hubs-h" class="card">
      <h2 id="org-hubs-h">Hubs</h2>
      <ErrorNote error={hubs.error} />
      {hubs.data && list.length === 0 ? <Empty>No hubs yet — create one on the <Link to={`/hubs?org=${encodeURIComponent(orgId)}`}>Hubs page</Link>.</Empty> : (
        <ul class="plain">
          {list.map((h) => <li key={h.id}><Link to={`/hubs?org=${encodeURIComponent(orgId)}&hub=${encodeURIComponent(h.id)}`}><bdi>{h.name}</bdi></Link> <span class="mono muted">{h.id}</span></li>)}
        </ul>
      )}
    </section>
  );
}

export function OrgDetail({ orgId }: { orgId: string }) {
  const [refresh, setRefresh] = useState(0);
  const bump = () => setRefresh((n) => n + 1);
  const org = useLoad(() => get<OrgWithKeys>(`/orgs/${encodeURIComponent(orgId)}`), [orgId, refresh]);
  const dialogs = useDialogs();
  const throttled = useThrottled(bump, 1000);

  useOrgEvents(orgId, throttled);
  useReloadOnReturn(bump);

  const o = org.data;
  return (
    <>
      <p class="crumbs"><Link to="/orgs">Organizations</Link> / <span class="mono">{orgId}</span></p>
      <h1>{o ? <bdi>{o.name}</bdi> : 'Organization'}</h1>
      <ErrorNote error={org.error} />
      {o && (
        <>
          <dl class="facts card" data-testid="org-facts">
            <dt>Id</dt><dd class="mono">{o.id}</dd>
            <dt>Balance</dt><dd data-testid="org-balance">{formatCredits(o.credits_micro)}</dd>
            <dt>Created</dt><dd>{formatTime(o.created_at)}</dd>
            <dt>Links</dt><dd>
              <Link to={`/events?scope=org_id&id=${encodeURIComponent(o.id)}`}>Live events</Link>{' · '}
              <Link to={`/webhooks?org=${encodeURIComponent(o.id)}`}>Webhooks</Link>{' · '}
              <Link to={`/hubs?org=${encodeURIComponent(o.id)}`}>Hubs</Link>
            </dd>
          </dl>
          <UsageView orgId={orgId} refresh={refresh} />
          <OrgCredits orgId={orgId} refresh={refresh} onChanged={bump} confirm={dialogs.confirm} />
          <OrgKeys orgId={orgId} keys={o.keys} onChanged={bump} confirm={dialogs.confirm} showSecret={dialogs.showSecret} />
          <OrgApps orgId={orgId} refresh={refresh} confirm={dialogs.confirm} showSecret={dialogs.showSecret} />
          <OrgHubs orgId={orgId} refresh={refresh} />
        </>
      )}
      {dialogs.view}
    </>
  );
}
