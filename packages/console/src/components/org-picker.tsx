// Choosing an organization on pages that work within one (hubs, webhooks): a labelled <select> whose
// choice lives in the URL (?org=), so the page can be linked and reloaded; the last choice carries over
// to the next such page for this visit.
import { useEffect } from 'preact/hooks';
import { get } from '../api/http.js';
import type { Org, Page } from '../api/types.js';
import { formatInt, isolate } from '../format.js';
import { useLoad } from '../hooks.js';
import { Link, navigate, useRoute } from '../router.js';
import { Empty, ErrorNote } from './notice.js';

const PAGE = 100;
const MOST = 2_000;

/** Every organization, page after page, up to MOST (a select longer than that helps nobody). */
async function allOrgs(): Promise<{ list: Org[]; capped: boolean }> {
  const list: Org[] = [];
  for (;;) {
    const page = await get<Page<Org>>('/orgs', { limit: PAGE, offset: list.length });
    list.push(...page.data);
    if (page.data.length < PAGE) return { list, capped: false };
    if (list.length >= MOST) return { list, capped: true };
  }
}

export function OrgPicker({ value, onChange }: { value: string; onChange: (orgId: string) => void }) {
  const orgs = useLoad(allOrgs, []);
  if (orgs.error) return <ErrorNote error={orgs.error} />;
  const list = orgs.data?.list ?? [];
  const listed = list.some((o) => o.id === value);
  if (orgs.data && list.length === 0) return <Empty>No organizations yet — <Link to="/orgs">create one on the Organizations page</Link>.</Empty>;
  return (
    <div class="field inline">
      <label for="org-picker">Organization</label>
      <select id="org-picker" value={value} onChange={(e) => onChange(e.currentTarget.value)}>
        <option value="">Choose an organization…</option>
        {/* Until the list arrives, or past its end, the chosen organization shows by its id rather than as no choice. */}
        {!listed && value && <option value={value}>{value}</option>}
        {list.map((o) => <option key={o.id} value={o.id}>{isolate(o.name)} ({o.id})</option>)}
      </select>
      {orgs.data?.capped && <span class="hint">The first {formatInt(MOST)} organizations are listed; open any other from the <Link to="/orgs">Organizations</Link> page.</span>}
    </div>
  );
}

let remembered = '';

/**
 * The organization a page at `page` ("/hubs") works in, and how to choose another. A page opened
 * without ?org= works in the last choice from its first render; its URL then names it.
 */
export function useOrgChoice(page: string): [string, (orgId: string) => void] {
  const { query } = useRoute();
  const fromUrl = query.get('org') ?? '';
  const orgId = fromUrl || remembered;
  const choose = (o: string) => {
    remembered = o;
    navigate(o ? `${page}?org=${encodeURIComponent(o)}` : page, { replace: true });
  };
  useEffect(() => {
    if (fromUrl) remembered = fromUrl;
    else if (remembered) choose(remembered);
  }, [fromUrl]);
  return [orgId, choose];
}
