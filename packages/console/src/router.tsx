// The console's router: the history API under /console. Links are real <a href> so a middle-click or
// a keyboard "open in new tab" works; a plain left click is handled here without a page load.
import type { ComponentChildren, JSX } from 'preact';
import { createStore, useStore } from './store.js';

export const BASE = '/console';

export interface Route {
  /** The path below /console, starting with / ("/orgs/org_1"). */
  readonly path: string;
  readonly query: URLSearchParams;
}

const read = (): Route => {
  const { pathname, search } = window.location;
  const below = pathname.startsWith(BASE) ? pathname.slice(BASE.length) : pathname;
  return { path: below === '' ? '/' : below, query: new URLSearchParams(search) };
};

export const route = createStore<Route>(read());
window.addEventListener('popstate', () => route.set(read()));

export const href = (path: string): string => BASE + (path === '/' ? '' : path);

/** Goes to a console path ("/orgs?x=1"); replace keeps the history entry (redirects, query edits). */
export function navigate(path: string, options: { replace?: boolean } = {}): void {
  const url = href(path);
  if (url === window.location.pathname + window.location.search) return;
  if (options.replace) window.history.replaceState(null, '', url);
  else window.history.pushState(null, '', url);
  route.set(read());
  if (!options.replace) window.scrollTo(0, 0);
}

export const useRoute = (): Route => useStore(route);

type AnchorProps = Omit<JSX.HTMLAttributes<HTMLAnchorElement>, 'href'> & { to: string; children?: ComponentChildren };

export function Link({ to, children, ...rest }: AnchorProps) {
  const onClick = (e: MouseEvent) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(to);
  };
  return <a {...rest} href={href(to)} onClick={onClick}>{children}</a>;
}
