// A small line chart of a node's recent history, drawn as SVG by hand; its accessible name says the
// latest value and the range, which is what a glance at the line tells a sighted operator.
const W = 160;
const H = 36;
const PAD = 2;

export interface SparklineProps {
  readonly label: string;
  readonly values: readonly number[];
  readonly format: (n: number) => string;
}

export function Sparkline({ label, values, format }: SparklineProps) {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) {
    return <figure class="spark"><figcaption>{label}</figcaption><span class="muted">no samples yet</span></figure>;
  }
  const min = Math.min(...finite);
  const max = Math.max(...finite);
  const span = max - min || 1;
  const step = finite.length > 1 ? (W - 2 * PAD) / (finite.length - 1) : 0;
  const points = finite.map((v, i) => `${(PAD + i * step).toFixed(1)},${(H - PAD - ((v - min) / span) * (H - 2 * PAD)).toFixed(1)}`).join(' ');
  const latest = finite[finite.length - 1] ?? 0;
  const summary = `${label}: ${format(latest)} now; between ${format(min)} and ${format(max)} over ${finite.length} samples`;
  return (
    <figure class="spark">
      <figcaption>{label} <strong>{format(latest)}</strong></figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} width={W} height={H} role="img" aria-label={summary}>
        <title>{summary}</title>
        <polyline points={points} fill="none" stroke="currentColor" stroke-width="1.5" stroke-linejoin="round" />
      </svg>
    </figure>
  );
}
