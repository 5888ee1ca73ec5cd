// Choosing an organization on pages that work within one (hubs, webhooks): a labelled <select> whose
// choice lives in the URL (?org=), so the page can be linked and reloaded.
import { get } from '../api/http.js';
import type { Org, Page } from '../api/types.js';
import { useLoad } from '../hooks.js';
import { Link } from '../router.js';
import { Empty, ErrorNote } from './notice.js';

export function OrgPicker({ value, onChange }: { value: string; onChange: (orgId: string) => void }) {
  const orgs = useLoad(() => get<Page<Org>>('/orgs', { limit: 100 }), []);
  if (orgs.error) return <ErrorNote error={orgs.error} />;
  const list = orgs.data?.data ?? [];
  if (orgs.data && list.length === 0) return <Empty>No organizations yet — <Link to="/orgs">create one on the Organizations page</Link>.</Empty>;
  return (
    <div class="field inline">
      <label for="org-picker">Organization</label>
      <select id="org-picker" value={value} onChange={(e) => onChange(e.currentTarget.value)}>
        <option value="">Choose an organization…</option>
        {list.map((o) => <option key={o.id} value={o.id}>{o.name} ({o.id})</option>)}
      </select>
    </div>
  );
}
