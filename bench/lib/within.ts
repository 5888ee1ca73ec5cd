// Waiting for something with a bound, without failing: a measurement loop that must keep its pace
// leaves a slow call behind rather than stall on it.

/** `promise`'s value, or undefined when it has not settled within `ms` (it goes on, unwatched). */
export function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}
