// Timestamps are stored and returned as ISO 8601 UTC strings with milliseconds, which sort as text.
export function nowIso(): string {
  return new Date().toISOString();
}

/**
 * True when `check` resolves true within `ms`; false when it resolves false, rejects or is still
 * running then (it is left to finish on its own, its outcome ignored).
 */
export async function trueWithin(ms: number, check: () => Promise<boolean>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(resolve, ms, false);
    timer.unref();
  });
  try {
    return await Promise.race([check().catch(() => false), late]);
  } finally {
    clearTimeout(timer);
  }
}
