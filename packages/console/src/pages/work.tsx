// Work in flight from the live system stream: each run with its progress and stages, and the runs that
// finished lately; a failed run that may be retried has a Retry button.
import { post } from '../api/http.js';
import type { WorkRun } from '../api/types.js';
import { Empty, ErrorNote, LiveBadge } from '../components/notice.js';
import { useAction } from '../hooks.js';
import { useSystem } from '../live/system.js';
import { Link } from '../router.js';
import { Table } from '../components/table.js';

/** Runs drawn at most per table: a backlog of thousands must not freeze the page. */
const MAX_ROWS = 200;
const percent = (p: number) => Math.round(Math.min(1, Math.max(0, p)) * 100);

function RunRow({ run }: { run: WorkRun }) {
  const action = useAction();
  const pct = percent(run.status === 'completed' ? 1 : run.progress);
  const retry = () => action.run(async () => {
    await post<WorkRun>(`/work/${encodeURIComponent(run.run_id)}/retry`);
  });
  return (
    <tr data-testid="work-row" data-run-id={run.run_id} data-resource-id={run.resource_id} data-status={run.status}>
      <td>{run.kind}</td>
      <td><Link to={`/orgs/${encodeURIComponent(run.org_id)}`} class="mono">{run.org_id}</Link></td>
      <th scope="row" class="mono">{run.resource_id}</th>
      <td><span class={`status status-${run.status}`}>{run.status}</span>{run.attempts > 1 ? ` (attempt ${run.attempts})` : ''}</td>
      <td class="progress-cell">
        <progress max={100} value={pct} aria-label={`Progress of ${run.resource_id}`} data-testid="work-progress" />
        <span class="num">{pct} %</span>
      </td>
      <td>
        <ul class="chips" aria-label={`Stages of ${run.resource_id}`}>
          {run.stages.map((s) => <li key={s.name} class={`chip stage-${s.status}`} title={s.error ?? s.status}>{s.name}: {s.status}</li>)}
        </ul>
        {run.error && <p class="error-text"><bdi>{run.error}</bdi></p>}
        {run.status === 'failed' && !run.retryable && run.retry_refusal && <p class="muted small">Not retryable: {run.retry_refusal}</p>}
        <ErrorNote error={action.error} />
      </td>
      <td>
        {run.status === 'failed' && run.retryable && (
          <button type="button" onClick={retry} disabled={action.busy} aria-label={`Retry ${run.kind} ${run.resource_id}`}>Retry</button>
        )}
      </td>
    </tr>
  );
}

function RunTable({ runs, label, testId }: { runs: WorkRun[]; label: string; testId: string }) {
  return (
    <>
      {runs.length > MAX_ROWS && <p class="muted">Showing the newest {MAX_ROWS} of {runs.length}.</p>}
      <Table label={label} testId={testId}>
        <thead><tr><th scope="col">Kind</th><th scope="col">Organization</th><th scope="col">Resource</th><th scope="col">Status</th><th scope="col">Progress</th><th scope="col">Stages</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
        <tbody>{runs.slice(0, MAX_ROWS).map((r) => <RunRow key={r.run_id} run={r} />)}</tbody>
      </Table>
    </>
  );
}

export function Work() {
  const sys = useSystem();
  const work = sys.work;
  return (
    <>
      <div class="page-head">
        <h1>Work in flight</h1>
        <LiveBadge state={sys.state} />
      </div>
      {work === null ? <p class="muted">Waiting for the first report…</p> : (
        <>
          <section aria-labelledby="inflight-h">
            <h2 id="inflight-h">In flight ({work.in_flight.length})</h2>
            {work.in_flight.length === 0 ? <Empty>Nothing is being processed now — uploads, videos and organize jobs show here while they run.</Empty>
              : <RunTable runs={work.in_flight} label="Runs in flight" testId="work-in-flight" />}
          </section>
          <section aria-labelledby="recent-h">
            <h2 id="recent-h">Finished lately</h2>
            {work.recent.length === 0 ? <Empty>No run has finished yet.</Empty>
              : <RunTable runs={work.recent} label="Runs finished lately" testId="work-recent" />}
          </section>
        </>
      )}
    </>
  );
}
