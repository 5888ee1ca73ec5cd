// Overview: every node of the cluster from the live system stream, with its recent history drawn.
import type { NodeInfo } from '../api/types.js';
import { Empty, LiveBadge } from '../components/notice.js';
import { Sparkline } from '../components/sparkline.js';
import { formatBytes, formatDuration, formatInt, formatNumber, formatTime } from '../format.js';
import { useSystem } from '../live/system.js';
import { Table } from '../components/table.js';

const SURFACES = ['documents', 'organizer', 'videos', 'hub', 'admin'] as const;

const health = (v: string) => <span class={`health health-${v}`}>{v}</span>;

function connectionsOf(n: NodeInfo): string {
  const c = n.stats.connections;
  const parts = SURFACES.map((s) => ({ s, n: c.by_surface?.[s] ?? 0 })).filter((x) => x.n > 0);
  return `${formatInt(c.total ?? 0)}${parts.length ? ` (${parts.map((x) => `${x.s} ${formatInt(x.n)}`).join(', ')})` : ''}`;
}

function NodeCharts({ node }: { node: NodeInfo }) {
  const h = node.history;
  const now = node.stats;
  // The charts end at the node's stats as of this frame, so their headline matches the table.
  const series = (past: readonly number[], current: number | undefined) => (node.alive && current !== undefined ? [...past, current] : past);
  return (
    <section class="card" aria-labelledby={`charts-${node.id}`}>
      <h3 id={`charts-${node.id}`}>Node <span class="mono">{node.id}</span>, last hour</h3>
      <div class="sparks">
        <Sparkline label="Connections" values={series(h.connections, now.connections.total)} format={formatInt} />
        <Sparkline label="Events/s" values={series(h.events_per_second, now.events_per_second)} format={(n) => formatNumber(n)} />
        <Sparkline label="Workflow backlog" values={series(h.workflow_backlog, now.workflow_backlog)} format={formatInt} />
        <Sparkline label="RSS" values={series(h.rss_bytes, now.rss_bytes)} format={formatBytes} />
        <Sparkline label="Loop delay p99" values={series(h.event_loop_delay_ms, now.event_loop_delay_ms)} format={(n) => `${formatNumber(n)} ms`} />
      </div>
    </section>
  );
}

export function Overview() {
  const sys = useSystem();
  const nodes = sys.nodes;
  return (
    <>
      <div class="page-head">
        <h1>Overview</h1>
        <LiveBadge state={sys.state} />
      </div>
      <section aria-labelledby="nodes-h">
        <h2 id="nodes-h">Nodes</h2>
        {nodes === null ? <p class="muted">Waiting for the first sample…</p> : nodes.length === 0 ? (
          <Empty>No nodes have reported yet — they report every 5 seconds once started.</Empty>
        ) : (
          <Table label="Nodes" testId="nodes-table">
            <thead>
              <tr><th scope="col">Node</th><th scope="col">Version</th><th scope="col">Mode</th><th scope="col">Uptime</th><th scope="col">Connections</th><th scope="col">Events/s</th><th scope="col">Backlog</th><th scope="col">Redis</th><th scope="col">Database</th><th scope="col">Last seen</th></tr>
            </thead>
            <tbody>
              {nodes.map((n) => (
                <tr key={n.id} class={n.alive ? '' : 'gone'}>
                  <th scope="row" class="mono">{n.id}{n.alive ? '' : ' (gone)'}</th>
                  <td>{n.version}</td>
                  <td>{n.mode}</td>
                  <td>{formatDuration(n.uptime_s)}</td>
                  <td>{connectionsOf(n)}</td>
                  <td>{formatNumber(n.stats.events_per_second)}</td>
                  <td>{formatInt(n.stats.workflow_backlog)}</td>
                  <td>{health(n.stats.redis)}</td>
                  <td>{health(n.stats.database)}</td>
                  <td>{formatTime(n.seen_at)}</td>
                </tr>
              ))}
            </tbody>
          </Table>
        )}
      </section>
      {nodes?.filter((n) => n.alive).map((n) => <NodeCharts key={n.id} node={n} />)}
    </>
  );
}
