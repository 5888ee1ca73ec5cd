// An organization's developer apps: create one (its key pair shown once), edit the origins its public
// key may be used from, and regenerate its key pair (confirmed: the old pair stops at once).
import { useState } from 'preact/hooks';
import { get, patch, post } from '../api/http.js';
import type { App, AppCreated, AppKeys, Page } from '../api/types.js';
import type { ConfirmRequest, SecretRequest } from '../components/dialogs.js';
import { Empty, ErrorNote } from '../components/notice.js';
import { formatTime, isolate } from '../format.js';
import { useAction, useLoad } from '../hooks.js';

const originsOf = (text: string): string[] => text.split(/[\s,]+/).map((s) => s.trim()).filter((s) => s !== '');

interface Props {
  orgId: string;
  refresh: number;
  confirm: (r: ConfirmRequest) => void;
  showSecret: (r: SecretRequest) => void;
}

function CreateApp({ orgId, onCreated }: { orgId: string; onCreated: (a: AppCreated) => void }) {
  const [name, setName] = useState('');
  const [environment, setEnvironment] = useState<'development' | 'production'>('development');
  const [origins, setOrigins] = useState('');
  const action = useAction();
  const submit = async (e: Event) => {
    e.preventDefault();
    await action.run(async () => {
      const a = await post<AppCreated>(`/orgs/${encodeURIComponent(orgId)}/apps`, { name, environment, allowed_origins: originsOf(origins) });
      setName('');
      setOrigins('');
      onCreated(a);
    });
  };
  return (
    <form class="form-grid" onSubmit={submit} onInput={action.clear} aria-label="Create an app">
      <div class="field">
        <label for="app-name">App name</label>
        <input id="app-name" required maxLength={200} value={name} onInput={(e) => setName(e.currentTarget.value)} />
      </div>
      <div class="field">
        <label for="app-env">Environment</label>
        <select id="app-env" value={environment} onChange={(e) => setEnvironment(e.currentTarget.value === 'production' ? 'production' : 'development')}>
          <option value="development">development</option>
          <option value="production">production</option>
        </select>
      </div>
      <div class="field wide">
        <label for="app-origins">Allowed origins (one per line)</label>
        <textarea id="app-origins" rows={2} placeholder="https://app.example.com" value={origins} onInput={(e) => setOrigins(e.currentTarget.value)} />
      </div>
      <ErrorNote error={action.error} />
      <div class="actions"><button type="submit" class="primary" disabled={action.busy}>Create app</button></div>
    </form>
  );
}

function AppItem({ app, onChanged, confirm, showSecret }: { app: App; onChanged: () => void; confirm: Props['confirm']; showSecret: Props['showSecret'] }) {
  const [editing, setEditing] = useState(false);
  const [origins, setOrigins] = useState(app.allowed_origins.join('\n'));
  const action = useAction();
  const save = async (e: Event) => {
    e.preventDefault();
    if (await action.run(async () => {
      await patch<App>(`/apps/${encodeURIComponent(app.id)}`, { allowed_origins: originsOf(origins) });
    })) {
      setEditing(false);
      onChanged();
    }
  };
  const regenerate = () => confirm({
    title: `Regenerate the keys of ${isolate(app.name)}?`,
    message: <p>A new secret and public key are issued and the current pair answers 401 at once.</p>,
    confirmLabel: 'Regenerate keys',
    onConfirm: async () => {
      const pair = await post<AppKeys>(`/apps/${encodeURIComponent(app.id)}/regenerate-keys`);
      onChanged();
      showSecret({ title: `New keys of ${isolate(app.name)}`, secrets: [{ label: 'Secret key (csk_)', value: pair.secret_key }, { label: 'Public key (cpk_)', value: pair.public_key }] });
    },
  });
  const fieldId = `origins-${app.id}`;
  const active = (app.keys ?? []).filter((k) => !k.revoked_at);
  return (
    <li class="item" data-testid="app-item">
      <div class="item-head">
        <h3><bdi>{app.name}</bdi></h3>
        <span class="tag">{app.environment}</span>
        <span class="mono muted">{app.id}</span>
      </div>
      <p class="muted">Created {formatTime(app.created_at)}. Keys: {active.length === 0 ? 'none active' : active.map((k) => `${k.kind} ${k.display}`).join(', ')}</p>
      {editing ? (
        <form onSubmit={save} onInput={action.clear}>
          <div class="field">
            <label for={fieldId}>Allowed origins of <bdi>{app.name}</bdi> (one per line)</label>
            <textarea id={fieldId} rows={3} value={origins} onInput={(e) => setOrigins(e.currentTarget.value)} />
          </div>
          <ErrorNote error={action.error} />
          <div class="actions">
            <button type="button" onClick={() => setEditing(false)}>Cancel</button>
            <button type="submit" class="primary" disabled={action.busy}>Save origins</button>
          </div>
        </form>
      ) : (
        <>
          <p>Allowed origins: {app.allowed_origins.length === 0 ? <span class="muted">none</span> : app.allowed_origins.map((o) => <bdi key={o} class="chip mono">{o}</bdi>)}</p>
          <div class="actions">
            <button type="button" onClick={() => { setOrigins(app.allowed_origins.join('\n')); action.clear(); setEditing(true); }}>Edit origins</button>
            <button type="button" class="danger" onClick={regenerate}>Regenerate keys</button>
          </div>
        </>
      )}
    </li>
  );
}

export function OrgApps({ orgId, refresh, confirm, showSecret }: Props) {
  const apps = useLoad(() => get<Page<App>>(`/orgs/${encodeURIComponent(orgId)}/apps`), [orgId, refresh]);
  const list = apps.data?.data ?? [];
  const created = (a: AppCreated) => {
    apps.reload();
    showSecret({ title: `Keys of ${isolate(a.name)}`, secrets: [{ label: 'Secret key (csk_)', value: a.secret_key }, { label: 'Public key (cpk_)', value: a.public_key }] });
  };
  return (
    <section aria-labelledby="apps-h" class="card">
      <h2 id="apps-h">Apps</h2>
      <CreateApp orgId={orgId} onCreated={created} />
      <ErrorNote error={apps.error} />
      {apps.data && list.length === 0 ? <Empty>No apps yet — create one above to get a csk_/cpk_ key pair.</Empty> : (
        <ul class="items">{list.map((a) => <AppItem key={a.id} app={a} onChanged={apps.reload} confirm={confirm} showSecret={showSecret} />)}</ul>
      )}
    </section>
  );
}
