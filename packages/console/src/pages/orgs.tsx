// Organizations: the list and the form that creates one (its first API key shown once).
import { useState } from 'preact/hooks';
import { get, post } from '../api/http.js';
import type { Org, OrgCreated, Page } from '../api/types.js';
import { useDialogs } from '../components/dialogs.js';
import { Empty, ErrorNote } from '../components/notice.js';
import { formatCredits, formatTime, isolate } from '../format.js';
import { useAction, useReloadOnReturn } from '../hooks.js';
import { Pager, usePaged } from '../components/pager.js';
import { Link } from '../router.js';
import { Table } from '../components/table.js';

function CreateOrg({ onCreated }: { onCreated: (org: OrgCreated) => void }) {
  const [name, setName] = useState('');
  const [credits, setCredits] = useState('0');
  const [mode, setMode] = useState<'test' | 'live'>('test');
  const action = useAction();
  const submit = async (e: Event) => {
    e.preventDefault();
    await action.run(async () => {
      const created = await post<OrgCreated>('/orgs', { name, credits_micro: Number(credits), key_mode: mode });
      setName('');
      setCredits('0');
      onCreated(created);
    });
  };
  return (
    <form class="card form-grid" onSubmit={submit} onInput={action.clear} aria-labelledby="create-org-h">
      <h2 id="create-org-h">Create an organization</h2>
      <div class="field">
        <label for="org-name">Name</label>
        <input id="org-name" required maxLength={200} value={name} onInput={(e) => setName(e.currentTarget.value)} />
      </div>
      <div class="field">
        <label for="org-credits">Initial credits (micro-credits)</label>
        <input id="org-credits" type="number" min={0} step={1} required value={credits} onInput={(e) => setCredits(e.currentTarget.value)} />
      </div>
      <div class="field">
        <label for="org-key-mode">First key mode</label>
        <select id="org-key-mode" value={mode} onChange={(e) => setMode(e.currentTarget.value === 'live' ? 'live' : 'test')}>
          <option value="test">test (capout_test_)</option>
          <option value="live">live (capout_live_)</option>
        </select>
      </div>
      <ErrorNote error={action.error} />
      <div class="actions"><button type="submit" class="primary" disabled={action.busy}>Create organization</button></div>
    </form>
  );
}

const PAGE = 50;

export function Orgs() {
  const paged = usePaged((limit, offset) => get<Page<Org>>('/orgs', { limit, offset }), PAGE, []);
  const orgs = paged.load;
  useReloadOnReturn(orgs.reload);
  const dialogs = useDialogs();
  const list = paged.rows;
  const created = (org: OrgCreated) => {
    orgs.reload();
    dialogs.showSecret({ title: `API key of ${isolate(org.name)}`, secrets: [{ label: 'API key', value: org.api_key }] });
  };
  return (
    <>
      <h1>Organizations</h1>
      <CreateOrg onCreated={created} />
      <section aria-labelledby="orgs-h">
        <h2 id="orgs-h">All organizations</h2>
        <ErrorNote error={orgs.error} />
        {orgs.data && list.length === 0 && paged.offset === 0 ? <Empty>No organizations yet — create one above.</Empty> : (
          <Table label="Organizations" testId="orgs-table">
            <thead><tr><th scope="col">Name</th><th scope="col">Id</th><th scope="col">Balance</th><th scope="col">Created</th></tr></thead>
            <tbody>
              {list.map((o) => (
                <tr key={o.id}>
                  <th scope="row"><Link to={`/orgs/${encodeURIComponent(o.id)}`}><bdi>{o.name}</bdi></Link></th>
                  <td class="mono">{o.id}</td>
                  <td>{formatCredits(o.credits_micro)}</td>
                  <td>{formatTime(o.created_at)}</td>
                </tr>
              ))}
            </tbody>
          </Table>
        )}
        <Pager paged={paged} size={PAGE} noun="organizations" />
      </section>
      {dialogs.view}
    </>
  );
}
