// Community hubs of one organization: pick the organization, see or create its hubs, open one.
import { useState } from 'preact/hooks';
import { get, post } from '../api/http.js';
import type { Hub, Page } from '../api/types.js';
import { Empty, ErrorNote } from '../components/notice.js';
import { OrgPicker, useOrgChoice } from '../components/org-picker.js';
import { formatTime } from '../format.js';
import { useAction, useLoad } from '../hooks.js';
import { Link, navigate, useRoute } from '../router.js';
import { HubDetail } from './hub-detail.js';

const hubsPath = (org: string, hub?: string) => `/hubs?org=${encodeURIComponent(org)}${hub ? `&hub=${encodeURIComponent(hub)}` : ''}`;

function CreateHub({ orgId, onCreated }: { orgId: string; onCreated: (h: Hub) => void }) {
  const [name, setName] = useState('');
  const action = useAction();
  const submit = async (e: Event) => {
    e.preventDefault();
    await action.run(async () => {
      const h = await post<Hub>(`/orgs/${encodeURIComponent(orgId)}/hubs`, { name });
      setName('');
      onCreated(h);
    });
  };
  return (
    <form class="inline-form" onSubmit={submit} onInput={action.clear}>
      <div class="field inline">
        <label for="hub-name">New hub name</label>
        <input id="hub-name" required maxLength={200} value={name} onInput={(e) => setName(e.currentTarget.value)} />
      </div>
      <button type="submit" class="primary" disabled={action.busy}>Create hub</button>
      <ErrorNote error={action.error} />
    </form>
  );
}

export function Hubs() {
  const { query } = useRoute();
  const [orgId, chooseOrg] = useOrgChoice('/hubs');
  const hubId = query.get('hub') ?? '';
  const hubs = useLoad(orgId ? () => get<Page<Hub>>(`/orgs/${encodeURIComponent(orgId)}/hubs`) : null, [orgId]);
  const list = orgId ? hubs.data?.data ?? [] : [];
  const hub = list.find((h) => h.id === hubId);
  return (
    <>
      <h1>Hubs</h1>
      <OrgPicker value={orgId} onChange={chooseOrg} />
      {!orgId ? <Empty>Choose an organization to see its hubs.</Empty> : (
        <section class="card" aria-labelledby="hubs-h">
          <h2 id="hubs-h">Hubs of this organization</h2>
          <CreateHub orgId={orgId} onCreated={(h) => { hubs.reload(); navigate(hubsPath(orgId, h.id), { replace: true }); }} />
          <ErrorNote error={hubs.error} />
          {hubs.data && list.length === 0 ? <Empty>No hubs yet — create one above.</Empty> : (
            <ul class="plain">
              {list.map((h) => (
                <li key={h.id}>
                  <Link to={hubsPath(orgId, h.id)} aria-current={h.id === hubId ? 'true' : undefined}><bdi>{h.name}</bdi></Link>{' '}
                  <span class="mono muted">{h.id}</span> <span class="muted">created {formatTime(h.created_at)}</span>
                </li>
              ))}
            </ul>
          )}
        </section>
      )}
      {hub && <HubDetail key={hub.id} hub={hub} />}
    </>
  );
}
