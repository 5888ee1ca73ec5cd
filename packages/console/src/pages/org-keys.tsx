// An organization's API keys: create one (shown once), rotate one (the new key shown once, the old one
// revoked with it) or revoke one, each destructive step confirmed.
import { useState } from 'preact/hooks';
import { del, post } from '../api/http.js';
import type { KeyCreated, OrgKey } from '../api/types.js';
import type { ConfirmRequest, SecretRequest } from '../components/dialogs.js';
import { Empty, ErrorNote } from '../components/notice.js';
import { formatTime } from '../format.js';
import { useAction } from '../hooks.js';
import { Table } from '../components/table.js';

interface Props {
  orgId: string;
  keys: OrgKey[];
  onChanged: () => void;
  confirm: (r: ConfirmRequest) => void;
  showSecret: (r: SecretRequest) => void;
}

export function OrgKeys({ orgId, keys, onChanged, confirm, showSecret }: Props) {
  const [mode, setMode] = useState<'test' | 'live'>('test');
  const action = useAction();
  const base = `/orgs/${encodeURIComponent(orgId)}/keys`;
  const create = async (e: Event) => {
    e.preventDefault();
    await action.run(async () => {
      const k = await post<KeyCreated>(base, { mode });
      onChanged();
      showSecret({ title: 'New API key', secrets: [{ label: `API key ${k.display}`, value: k.api_key }] });
    });
  };
  const revoke = (k: OrgKey) => confirm({
    title: 'Revoke this key?',
    message: <p>Calls with <span class="mono">{k.display}</span> will answer 401 from now on and its open streams end. This cannot be undone.</p>,
    confirmLabel: 'Revoke key',
    onConfirm: async () => {
      await del(`${base}/${encodeURIComponent(k.id)}`);
      onChanged();
    },
  });
  const rotate = (k: OrgKey) => confirm({
    title: 'Rotate this key?',
    message: <p>A new key replaces <span class="mono">{k.display}</span>, which is revoked at once: update every client that uses it.</p>,
    confirmLabel: 'Rotate key',
    onConfirm: async () => {
      const n = await post<KeyCreated>(`${base}/${encodeURIComponent(k.id)}/rotate`);
      onChanged();
      showSecret({ title: 'Rotated API key', secrets: [{ label: `API key ${n.display}`, value: n.api_key }] });
    },
  });
  return (
    <section aria-labelledby="keys-h" class="card">
      <h2 id="keys-h">API keys</h2>
      <form class="inline-form" onSubmit={create} onInput={action.clear}>
        <div class="field inline">
          <label for="key-mode">Mode</label>
          <select id="key-mode" value={mode} onChange={(e) => setMode(e.currentTarget.value === 'live' ? 'live' : 'test')}>
            <option value="test">test</option>
            <option value="live">live</option>
          </select>
        </div>
        <button type="submit" class="primary" disabled={action.busy}>Create key</button>
      </form>
      <ErrorNote error={action.error} />
      {keys.length === 0 ? <Empty>No keys — create one above.</Empty> : (
        <Table label="API keys" testId="keys-table">
          <thead><tr><th scope="col">Key</th><th scope="col">Mode</th><th scope="col">Created</th><th scope="col">Status</th><th scope="col">Actions</th></tr></thead>
          <tbody>
            {keys.map((k) => (
              <tr key={k.id} data-testid="key-row" data-key-id={k.id}>
                <th scope="row" class="mono">{k.display}</th>
                <td>{k.mode}</td>
                <td>{formatTime(k.created_at)}</td>
                <td>{k.revoked_at ? `revoked ${formatTime(k.revoked_at)}` : 'active'}</td>
                <td class="row-actions">
                  {!k.revoked_at && <>
                    <button type="button" onClick={() => rotate(k)} aria-label={`Rotate key ${k.display}`}>Rotate</button>
                    <button type="button" class="danger" onClick={() => revoke(k)} aria-label={`Revoke key ${k.display}`}>Revoke</button>
                  </>}
                </td>
              </tr>
            ))}
          </tbody>
        </Table>
      )}
    </section>
  );
}
