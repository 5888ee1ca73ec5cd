// One hub: its spaces and segments, its contacts (add one, mint a token shown once, ban with a
// confirmation) and which of them are connected now (from the live system stream).
import { useState } from 'preact/hooks';
import { get, post } from '../api/http.js';
import type { Contact, ContactToken, Hub, Page, Segment, Space } from '../api/types.js';
import { useDialogs } from '../components/dialogs.js';
import { Empty, ErrorNote } from '../components/notice.js';
import { formatTime, isolate } from '../format.js';
import { useAction, useLoad, useReloadOnReturn } from '../hooks.js';
import { useSystem } from '../live/system.js';
import { ConnectionTable, useDisconnect } from './connections.js';
import { Table } from '../components/table.js';
import { Pager, usePaged } from '../components/pager.js';

const CONTACTS_PAGE = 50;
const SPACES_PAGE = 50;

function AddContact({ hubId, onAdded }: { hubId: string; onAdded: () => void }) {
  const [name, setName] = useState('');
  const [role, setRole] = useState('member');
  const action = useAction();
  const submit = async (e: Event) => {
    e.preventDefault();
    await action.run(async () => {
      await post<Contact>(`/hubs/${encodeURIComponent(hubId)}/contacts`, { name, role });
      setName('');
      onAdded();
    });
  };
  return (
    <form class="inline-form" onSubmit={submit} onInput={action.clear}>
      <div class="field inline">
        <label for="contact-name">Contact name</label>
        <input id="contact-name" required maxLength={200} value={name} onInput={(e) => setName(e.currentTarget.value)} />
      </div>
      <div class="field inline">
        <label for="contact-role">Role</label>
        <select id="contact-role" value={role} onChange={(e) => setRole(e.currentTarget.value)}>
          <option value="member">member</option>
          <option value="moderator">moderator</option>
          <option value="admin">admin</option>
        </select>
      </div>
      <button type="submit" class="primary" disabled={action.busy}>Add contact</button>
      <ErrorNote error={action.error} />
    </form>
  );
}

export function HubDetail({ hub }: { hub: Hub }) {
  const base = `/hubs/${encodeURIComponent(hub.id)}`;
  const spacePages = usePaged((limit, offset) => get<Page<Space>>(`${base}/spaces`, { limit, offset }), SPACES_PAGE, [hub.id]);
  const spaces = spacePages.load;
  const segments = useLoad(() => get<Page<Segment>>(`${base}/segments`), [hub.id]);
  const paged = usePaged((limit, offset) => get<Page<Contact>>(`${base}/contacts`, { limit, offset }), CONTACTS_PAGE, [hub.id]);
  const contacts = paged.load;
  useReloadOnReturn(contacts.reload);
  const dialogs = useDialogs();
  const disconnect = useDisconnect(dialogs.confirm);
  const action = useAction();
  const sys = useSystem();
  const contactList = paged.rows;
  const ids = new Set(contactList.map((c) => c.id));
  const connected = (sys.connections ?? []).filter((c) => c.surface === 'hub' && (c.topic.includes(hub.id) || ids.has(c.credential.replace(/^contact:/, ''))));
  const segmentName = new Map((segments.data?.data ?? []).map((s) => [s.id, s.name]));

  const mint = (c: Contact) => action.run(async () => {
    const t = await post<ContactToken>(`${base}/contacts/${encodeURIComponent(c.id)}/tokens`);
    dialogs.showSecret({ title: `Access token of ${isolate(c.name)}`, secrets: [{ label: `Bearer token (expires ${formatTime(t.expires_at)})`, value: t.access_token }] });
  });
  const ban = (c: Contact) => dialogs.confirm({
    title: `Ban ${isolate(c.name)}?`,
    message: <p>Their open streams end with stream.unauthorized and they can no longer get tokens or connect.</p>,
    confirmLabel: 'Ban contact',
    onConfirm: async () => {
      await post(`${base}/contacts/${encodeURIComponent(c.id)}/ban`);
      contacts.reload();
    },
  });

  return (
    <section aria-labelledby="hub-h" class="hub-detail">
      <h2 id="hub-h"><bdi>{hub.name}</bdi> <span class="mono muted">{hub.id}</span></h2>
      <div class="grid-2">
        <section class="card" aria-labelledby="spaces-h">
          <h3 id="spaces-h">Spaces</h3>
          <ErrorNote error={spaces.error} />
          {spaces.data && spacePages.rows.length === 0 && spacePages.offset === 0 ? <Empty>No spaces yet — members or moderators create them from the hub.</Empty> : (
            <ul class="plain">
              {spacePages.rows.map((s) => (
                <li key={s.id}><bdi>{s.name}</bdi> {s.restricted && <span class="tag">restricted: {s.segment_ids.map((id) => isolate(segmentName.get(id) ?? id)).join(', ') || 'no segment'}</span>}</li>
              ))}
            </ul>
          )}
          <Pager paged={spacePages} size={SPACES_PAGE} noun="spaces" />
        </section>
        <section class="card" aria-labelledby="segments-h">
          <h3 id="segments-h">Segments</h3>
          <ErrorNote error={segments.error} />
          {segments.data && segments.data.data.length === 0 ? <Empty>No segments yet.</Empty> : (
            <ul class="plain">{(segments.data?.data ?? []).map((s) => <li key={s.id}><bdi>{s.name}</bdi> <span class="mono muted">{s.id}</span></li>)}</ul>
          )}
        </section>
      </div>
      <section class="card" aria-labelledby="contacts-h">
        <h3 id="contacts-h">Contacts</h3>
        <AddContact hubId={hub.id} onAdded={contacts.reload} />
        <ErrorNote error={contacts.error ?? action.error} />
        {contacts.data && contactList.length === 0 && paged.offset === 0 ? <Empty>No contacts yet — add one above.</Empty> : (
          <Table label="Contacts" testId="contacts-table">
            <thead><tr><th scope="col">Name</th><th scope="col">Role</th><th scope="col">Status</th><th scope="col">Id</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
            <tbody>
              {contactList.map((c) => (
                <tr key={c.id}>
                  <th scope="row"><bdi>{c.name}</bdi></th>
                  <td>{c.role}</td>
                  <td>{c.status}</td>
                  <td class="mono">{c.id}</td>
                  <td class="row-actions">
                    {c.status === 'active' && <>
                      <button type="button" onClick={() => mint(c)} disabled={action.busy} aria-label={`Mint token for ${c.name}`}>Mint token</button>
                      <button type="button" class="danger" onClick={() => ban(c)} aria-label={`Ban ${c.name}`}>Ban</button>
                    </>}
                  </td>
                </tr>
              ))}
            </tbody>
          </Table>
        )}
        <Pager paged={paged} size={CONTACTS_PAGE} noun="contacts" />
      </section>
      <section class="card" aria-labelledby="connected-h">
        <h3 id="connected-h">Connected contacts</h3>
        {sys.connections === null ? <p class="muted">Waiting for the live report…</p> : connected.length === 0 ? <Empty>No contact of this hub is connected now.</Empty>
          : <ConnectionTable connections={connected} onDisconnect={disconnect} />}
      </section>
      {dialogs.view}
    </section>
  );
}
