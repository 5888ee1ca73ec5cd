// When a failed delivery is tried again: the configured delays (Standard Webhooks' schedule by
// default), each varied by ±10 % so receivers that failed together are not retried together.

export type RetrySchedule = readonly number[];

/**
 * Parses CAPSTAN_WEBHOOK_RETRY_SCHEDULE_MS. The configuration already refused anything but whole
 * milliseconds at load (src/config); this throws, with the offending entry, only for other callers.
 */
export function parseSchedule(entries: readonly string[]): RetrySchedule {
  return entries.map((e) => {
    const ms = /^\d+$/.test(e) ? Number(e) : NaN;
    if (!Number.isSafeInteger(ms)) throw new Error(`CAPSTAN_WEBHOOK_RETRY_SCHEDULE_MS: "${e}" is not a delay in milliseconds`);
    return ms;
  });
}

/**
 * The instant of the retry after attempt `attempt` (1 = the first attempt) failed, or undefined when
 * the schedule is used up and the delivery has failed.
 */
export function retryAt(schedule: RetrySchedule, attempt: number, now: number, random = Math.random): number | undefined {
  const delay = schedule[attempt - 1];
  if (delay === undefined) return undefined;
  return now + Math.round(delay * (0.9 + 0.2 * random()));
}
