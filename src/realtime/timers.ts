// setTimeout caps delays at ~24.8 days; token expiries can be further away, so long waits are chained.
const MAX_DELAY = 2 ** 31 - 1;

export function timeoutAt(atMs: number, fn: () => void): () => void {
  let handle: NodeJS.Timeout;
  const arm = () => {
    const delay = atMs - Date.now();
    handle = setTimeout(delay > MAX_DELAY ? arm : fn, Math.max(0, Math.min(delay, MAX_DELAY)));
    handle.unref();
  };
  arm();
  return () => clearTimeout(handle);
}
