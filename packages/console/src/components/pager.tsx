// Lists the admin API pages with limit and offset: one page on screen, Previous and Next, and which
// rows are shown. Each request asks for one row more than it shows, so Next is offered only when
// there is something after this page (the API sends no total).
import { useState } from 'preact/hooks';
import type { Page } from '../api/types.js';
import { formatInt } from '../format.js';
import { useLoad, type Loaded } from '../hooks.js';

export interface Paged<T> {
  /** The rows on screen, and the offset they were read at (while the next page loads, the last one). */
  readonly rows: T[];
  readonly offset: number;
  readonly more: boolean;
  /** True while the page asked for is not the one on screen: Previous and Next wait for it. */
  readonly busy: boolean;
  readonly load: Loaded<Page<T>>;
  go(offset: number): void;
}

/**
 * One page of `size` rows (at most 99) from `fetchPage(limit, offset)`, back to the first page when
 * `deps` change (another organization, another filter) and read again, on the same page, when
 * `refresh` does. Each page read keeps the offset and deps it was read for: until the page asked for
 * arrives, the one on screen keeps its own range, and Next cannot be pressed again on stale rows.
 */
export function usePaged<T>(fetchPage: ((limit: number, offset: number) => Promise<Page<T>>) | null, size: number, deps: readonly unknown[], refresh: unknown = 0): Paged<T> {
  const key = JSON.stringify(deps);
  const [at, setAt] = useState({ key, offset: 0 });
  const offset = at.key === key ? at.offset : 0;
  const load = useLoad(fetchPage ? () => fetchPage(size + 1, offset).then((page): ReadPage<T> => ({ ...page, readAt: { key, offset } })) : null, [...deps, offset, refresh]);
  const read = load.data as ReadPage<T> | undefined;
  const current = read !== undefined && read.readAt.key === key && read.readAt.offset === offset;
  const all = read?.data ?? [];
  return {
    rows: all.slice(0, size),
    offset: read?.readAt.offset ?? offset,
    more: all.length > size,
    busy: !current || load.loading,
    load,
    go: (o) => setAt({ key, offset: Math.max(0, o) }),
  };
}

/** A page with what it was read for. */
type ReadPage<T> = Page<T> & { readonly readAt: { readonly key: string; readonly offset: number } };

export function Pager<T>({ paged, size, noun, labels = ['Previous', 'Next'] }: { paged: Paged<T>; size: number; noun: string; labels?: readonly [string, string] }) {
  const { offset, rows, more } = paged;
  if (offset === 0 && !more) return null;
  const range = rows.length === 0 ? `No ${noun} here` : `${noun[0]!.toUpperCase()}${noun.slice(1)} ${formatInt(offset + 1)}–${formatInt(offset + rows.length)}`;
  return (
    <nav class="pager" aria-label={`Pages of ${noun}`}>
      <button type="button" disabled={offset === 0 || paged.busy} onClick={() => paged.go(offset - size)}>{labels[0]}</button>
      <span class="muted" role="status" data-testid="pager-range">{range}</span>
      <button type="button" disabled={!more || paged.busy} onClick={() => paged.go(offset + size)}>{labels[1]}</button>
    </nav>
  );
}
