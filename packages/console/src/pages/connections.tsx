// Open realtime connections on every node, from the live system stream; an operator can end one
// (confirmed), which closes it with stream.unauthorized on whichever node holds it.
import { useState } from 'preact/hooks';
import { del } from '../api/http.js';
import type { Connection } from '../api/types.js';
import { useDialogs } from '../components/dialogs.js';
import { Empty, LiveBadge } from '../components/notice.js';
import { formatBytes, formatInt, formatTime } from '../format.js';
import { useSystem } from '../live/system.js';
import { Table } from '../components/table.js';

const SURFACES = ['', 'documents', 'organizer', 'videos', 'hub', 'admin'];
/** Rows drawn at most: a node with thousands of clients must not freeze the page. */
const MAX_ROWS = 500;

export function ConnectionTable({ connections, onDisconnect }: { connections: Connection[]; onDisconnect: (c: Connection) => void }) {
  return (
    <Table label="Connections" testId="connections-table">
      <thead><tr><th scope="col">Surface</th><th scope="col">Credential</th><th scope="col">Organization</th><th scope="col">Node</th><th scope="col">Since</th><th scope="col">Queued</th><th scope="col">Sent</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
      <tbody>
        {connections.map((c) => (
          <tr key={c.id} data-testid="connection-row" data-connection-id={c.id}>
            <td>{c.surface} <span class="muted">({c.transport})</span></td>
            <th scope="row" class="mono">{c.credential}</th>
            <td class="mono">{c.org_id ?? '–'}</td>
            <td class="mono">{c.node_id}</td>
            <td>{formatTime(c.since)}</td>
            <td class="num">{formatBytes(c.bytes_queued)}</td>
            <td class="num">{formatInt(c.events_sent)}</td>
            <td><button type="button" class="danger" onClick={() => onDisconnect(c)} aria-label={`Disconnect ${c.credential}`}>Disconnect</button></td>
          </tr>
        ))}
      </tbody>
    </Table>
  );
}

export function useDisconnect(confirm: ReturnType<typeof useDialogs>['confirm']) {
  return (c: Connection) => confirm({
    title: 'Disconnect this connection?',
    message: <p>The {c.surface} stream of <span class="mono">{c.credential}</span> ends now with stream.unauthorized. Its client may connect again if its credential is still valid.</p>,
    confirmLabel: 'Disconnect',
    onConfirm: async () => {
      await del(`/connections/${encodeURIComponent(c.id)}`);
    },
  });
}

export function Connections() {
  const sys = useSystem();
  const dialogs = useDialogs();
  const disconnect = useDisconnect(dialogs.confirm);
  const [surface, setSurface] = useState('');
  const all = sys.connections;
  const shown = (all ?? []).filter((c) => surface === '' || c.surface === surface);
  return (
    <>
      <div class="page-head">
        <h1>Connections</h1>
        <LiveBadge state={sys.state} />
      </div>
      <div class="field inline">
        <label for="conn-surface">Surface</label>
        <select id="conn-surface" value={surface} onChange={(e) => setSurface(e.currentTarget.value)}>
          {SURFACES.map((s) => <option key={s} value={s}>{s === '' ? 'All surfaces' : s}</option>)}
        </select>
      </div>
      {all === null ? <p class="muted">Waiting for the first report…</p> : shown.length === 0 ? (
        <Empty>No open connections{surface ? ` on ${surface}` : ''} — clients appear here while their streams are open.</Empty>
      ) : (
        <>
          {shown.length > MAX_ROWS && <p class="muted" role="status">Showing {MAX_ROWS} of {shown.length}: choose a surface to narrow the list.</p>}
          <ConnectionTable connections={shown.slice(0, MAX_ROWS)} onDisconnect={disconnect} />
        </>
      )}
      {dialogs.view}
    </>
  );
}
