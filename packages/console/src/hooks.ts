// Loading data and running actions with their busy and error states, the same way on every page.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { describeError } from './api/http.js';
import { createStore } from './store.js';

export interface Loaded<T> {
  readonly data: T | undefined;
  readonly error: string | null;
  readonly loading: boolean;
  reload(): void;
}

/** Loads when deps change; an answer that arrives after a newer request started is dropped. */
export function useLoad<T>(load: (() => Promise<T>) | null, deps: readonly unknown[]): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [version, setVersion] = useState(0);
  const latest = useRef(0);
  useEffect(() => {
    if (!load) return;
    const mine = ++latest.current;
    setLoading(true);
    load().then(
      (d) => {
        if (latest.current !== mine) return;
        setData(d);
        setError(null);
        setLoading(false);
      },
      (e: unknown) => {
        if (latest.current !== mine) return;
        setError(describeError(e));
        setLoading(false);
      },
    );
    // deps: what the caller says the load depends on
  }, [...deps, version]);
  const reload = useCallback(() => setVersion((v) => v + 1), []);
  return { data, error, loading, reload };
}

export interface Action {
  readonly busy: boolean;
  readonly error: string | null;
  run(work: () => Promise<void>): Promise<boolean>;
  clear(): void;
}

/** The action that succeeded last: what the others still show as failed was about an older state. */
const lastSuccess = createStore<{ readonly by: object } | null>(null);

/**
 * A button's or form's action: one at a time, its failure kept to show beside it until it runs again,
 * `clear` is called (a form calls it on input: the message was about the value before) or another
 * action of the page succeeds.
 */
export function useAction(): Action {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const self = useRef({}).current;
  useEffect(() => lastSuccess.subscribe((success) => {
    if (success?.by !== self) setError(null);
  }), []);
  const run = useCallback(async (work: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await work();
      lastSuccess.set({ by: self });
      return true;
    } catch (e) {
      setError(describeError(e));
      return false;
    } finally {
      setBusy(false);
    }
  }, []);
  const clear = useCallback(() => setError(null), []);
  return { busy, error, run, clear };
}

/** Calls fn at most once per interval while it keeps being asked (an event tail that floods). */
export function useThrottled(fn: () => void, ms: number): () => void {
  const saved = useRef(fn);
  saved.current = fn;
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);
  return useCallback(() => {
    if (timer.current !== undefined) return;
    timer.current = setTimeout(() => {
      timer.current = undefined;
      saved.current();
    }, ms);
  }, [ms]);
}

/**
 * Calls `reload` when the operator comes back to the tab (it was hidden, or the window lost focus):
 * what other operators, the CLI or the API changed meanwhile sends no event this page hears.
 */
export function useReloadOnReturn(reload: () => void): void {
  const saved = useRef(reload);
  saved.current = reload;
  useEffect(() => {
    let away = false;
    const leave = () => { away = true; };
    const back = () => {
      if (!away || document.visibilityState !== 'visible') return;
      away = false;
      saved.current();
    };
    const visibility = () => (document.visibilityState === 'visible' ? back() : leave());
    document.addEventListener('visibilitychange', visibility);
    window.addEventListener('blur', leave);
    window.addEventListener('focus', back);
    return () => {
      document.removeEventListener('visibilitychange', visibility);
      window.removeEventListener('blur', leave);
      window.removeEventListener('focus', back);
    };
  }, []);
}
