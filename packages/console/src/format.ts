// How the console writes numbers, sizes, money and times, and the names tenants give things.

const int = new Intl.NumberFormat('en-US');

export const formatInt = (n: number): string => int.format(n);

/**
 * Micro-credits, with their dollar value (100,000 micro-credits are one dollar), rounded down to the
 * cent as the API gives it: never more than is held.
 */
export const formatCredits = (micro: number): string => {
  const cents = Math.floor(micro / 1_000);
  return `${int.format(micro)} µ (${cents < 0 ? '-' : ''}$${Math.floor(Math.abs(cents) / 100)}.${String(Math.abs(cents) % 100).padStart(2, '0')})`;
};

export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m ${s % 60}s`;
  return `${s}s`;
}

/** An ISO timestamp as "2025-01-31 12:00:00 UTC" (the server's own clock and zone). */
export const formatTime = (iso: string | null | undefined): string =>
  iso ? iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC') : '–';

export const formatNumber = (n: number, digits = 1): string => (Number.isInteger(n) ? int.format(n) : n.toFixed(digits));

/**
 * A name a tenant chose, isolated for plain-text places (an <option>, a dialog title): Unicode's
 * first-strong isolate marks keep a right-to-left override inside it from reordering the text after
 * it (an id shown reversed). Markup wraps names in <bdi> instead.
 */
export const isolate = (name: string): string => `\u2068${name}\u2069`;

/** Unicode's bidi formatting characters: marks, embeddings, overrides and isolates. */
const BIDI_FORMATTING = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * A value as indented JSON to show as text, its bidi formatting characters written as \u escapes (the
 * same JSON): one inside a string, a tenant's payload, would otherwise reorder the keys and quotes
 * after it on its line, and would not be seen at all.
 */
export const formatJson = (value: unknown): string =>
  JSON.stringify(value, null, 2).replace(BIDI_FORMATTING, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
