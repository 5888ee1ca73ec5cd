// The console's frame: skip link, header with the navigation (collapsing on narrow screens), theme
// toggle and sign-out, and the page for the current path. Signed out, only the sign-in form shows.
import { useEffect, useRef, useState } from 'preact/hooks';
import { call, del } from './api/http.js';
import type { SessionInfo } from './api/types.js';
import { Empty } from './components/notice.js';
import { useAction } from './hooks.js';
import { Connections } from './pages/connections.js';
import { Hubs } from './pages/hubs.js';
import { LiveEvents } from './pages/live-events.js';
import { OrgDetail } from './pages/org-detail.js';
import { Orgs } from './pages/orgs.js';
import { Overview } from './pages/overview.js';
import { SignIn } from './pages/sign-in.js';
import { Webhooks } from './pages/webhooks.js';
import { Work } from './pages/work.js';
import { Link, navigate, useRoute } from './router.js';
import { session, signedIn, signedOut } from './session.js';
import { useStore } from './store.js';
import { setTheme, theme } from './theme.js';

const NAV = [
  { to: '/', label: 'Overview' },
  { to: '/orgs', label: 'Organizations' },
  { to: '/events', label: 'Live events' },
  { to: '/work', label: 'Work' },
  { to: '/hubs', label: 'Hubs' },
  { to: '/webhooks', label: 'Webhooks' },
  { to: '/connections', label: 'Connections' },
] as const;

const current = (to: string, path: string) => (to === '/' ? path === '/' : path === to || path.startsWith(`${to}/`));

function titleOf(path: string): string {
  if (path === '/sign-in') return 'Sign in';
  if (path.startsWith('/orgs/')) return 'Organization';
  return NAV.find((n) => n.to === path)?.label ?? 'Not found';
}

/** Where a signed-out operator was going, to return there after signing in. */
/** Where signing in leads: the page that sent the operator to sign in, or one the server named (?next=/console/…). */
let returnTo = initialReturn();

function initialReturn(): string {
  const next = new URLSearchParams(location.search).get('next');
  // Only a path of the console itself: never another origin (//evil) or page of the server.
  return next !== null && /^\/console\/[^/\\]/.test(next) ? next.slice('/console'.length) : '/';
}

async function recoverSession(): Promise<void> {
  try {
    const s = await call<SessionInfo>('GET', '/session', { quiet401: true });
    signedIn(s.csrf_token, s.expires_at);
  } catch (e) {
    const code = (e as { code?: string }).code;
    signedOut(code === 'session_expired' ? 'Your session expired. Sign in again.' : null);
  }
}

function Page({ path }: { path: string }) {
  if (path === '/') return <Overview />;
  if (path === '/orgs') return <Orgs />;
  const org = /^\/orgs\/([^/]+)$/.exec(path);
  if (org?.[1]) return <OrgDetail key={org[1]} orgId={decodeURIComponent(org[1])} />;
  if (path === '/events') return <LiveEvents />;
  if (path === '/work') return <Work />;
  if (path === '/hubs') return <Hubs />;
  if (path === '/webhooks') return <Webhooks />;
  if (path === '/connections') return <Connections />;
  return <><h1>Not found</h1><Empty>There is no console page here — pick one from the navigation.</Empty></>;
}

function ThemeToggle() {
  const t = useStore(theme);
  const next = t === 'dark' ? 'light' : 'dark';
  return <button type="button" class="ghost" onClick={() => setTheme(next)} data-testid="theme-toggle">{next === 'dark' ? 'Dark theme' : 'Light theme'}</button>;
}

function SignOut() {
  const action = useAction();
  const signOut = () => action.run(async () => {
    await del('/session');
    signedOut('You signed out.');
  });
  return (
    <>
      <button type="button" class="ghost" onClick={signOut} disabled={action.busy}>Sign out</button>
      {action.error && <span class="error-text" role="alert">{action.error}</span>}
    </>
  );
}

export function App() {
  const s = useStore(session);
  const { path, query } = useRoute();
  const [menuOpen, setMenuOpen] = useState(false);
  const main = useRef<HTMLElement>(null);
  const firstPath = useRef(path);

  useEffect(() => void recoverSession(), []);
  useEffect(() => {
    if (s.status === 'signed-out' && path !== '/sign-in') {
      returnTo = path + (query.size ? `?${query.toString()}` : '');
      navigate('/sign-in', { replace: true });
    } else if (s.status === 'signed-in' && path === '/sign-in') {
      navigate(returnTo, { replace: true });
      returnTo = '/';
    }
  }, [s.status, path]);
  // A new page: close the menu, name the tab and move focus to the page, as a full page load would.
  useEffect(() => {
    setMenuOpen(false);
    document.title = `${titleOf(path)} · Capstan console`;
    if (firstPath.current !== path) main.current?.focus();
    firstPath.current = path;
  }, [path]);

  const signed = s.status === 'signed-in';
  let body;
  if (s.status === 'unknown') body = <p class="muted">Loading…</p>;
  else if (!signed) body = <SignIn notice={s.notice} />;
  else if (path === '/sign-in') body = <p class="muted">Signed in; opening the console…</p>;
  else body = <Page path={path} />;

  return (
    <>
      <a class="skip-link" href="#main">Skip to content</a>
      <header class={`top${menuOpen ? ' open' : ''}`}>
        <Link to="/" class="brand">Capstan console</Link>
        {signed && (
          <button type="button" class="menu-toggle ghost" aria-expanded={menuOpen} aria-controls="main-nav" onClick={() => setMenuOpen(!menuOpen)}>Menu</button>
        )}
        {signed && (
          <nav id="main-nav" aria-label="Main">
            <ul>
              {NAV.map((n) => (
                <li key={n.to}><Link to={n.to} aria-current={current(n.to, path) ? 'page' : undefined}>{n.label}</Link></li>
              ))}
            </ul>
          </nav>
        )}
        <div class="top-actions">
          <ThemeToggle />
          {signed && <SignOut />}
        </div>
      </header>
      <main id="main" ref={main} tabIndex={-1}>{body}</main>
    </>
  );
}
