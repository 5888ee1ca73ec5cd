// Hand-written SVG grouped bar charts: one panel per measure, bars grouped by a parameter (say,
// subscribers) and coloured by series (say, server). No chart library, no script, no external font.

export interface BarPanel {
  readonly title: string;
  readonly unit: string;
  readonly series: readonly string[];
  readonly groups: readonly { readonly label: string; readonly values: readonly (number | undefined)[] }[];
  /** Log scale suits latencies that differ by orders of magnitude. */
  readonly scale?: 'linear' | 'log';
}

const COLORS = ['#2563eb', '#64748b', '#0d9488', '#d97706', '#9333ea', '#dc2626'];
const PANEL_W = 460;
const PANEL_H = 300;
const M = { top: 40, right: 16, bottom: 48, left: 64 };

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function shortNumber(v: number): string {
  const abs = Math.abs(v);
  if (abs >= 1e6) return `${+(v / 1e6).toPrecision(3)}M`;
  if (abs >= 1e3) return `${+(v / 1e3).toPrecision(3)}k`;
  if (abs >= 100) return String(Math.round(v));
  if (abs >= 1) return String(+v.toPrecision(3));
  return String(+v.toPrecision(2));
}

function niceCeil(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function panel(p: BarPanel, ox: number): string {
  const w = PANEL_W - M.left - M.right;
  const h = PANEL_H - M.top - M.bottom;
  const values = p.groups.flatMap((g) => g.values).filter((v): v is number => v !== undefined && Number.isFinite(v));
  const log = p.scale === 'log';
  const out: string[] = [`<g transform="translate(${ox},0)">`, `<text x="${PANEL_W / 2}" y="20" text-anchor="middle" class="title">${esc(p.title)}</text>`];
  let y: (v: number) => number;
  let ticks: number[];
  if (log) {
    const positive = values.filter((v) => v > 0);
    const lo = 10 ** Math.floor(Math.log10(Math.min(...positive, 1)));
    const hi = 10 ** Math.ceil(Math.log10(Math.max(...positive, lo * 10)));
    const span = Math.log10(hi) - Math.log10(lo);
    y = (v) => M.top + h - ((Math.log10(Math.max(v, lo)) - Math.log10(lo)) / span) * h;
    ticks = [];
    for (let t = lo; t <= hi * 1.0001; t *= 10) ticks.push(t);
  } else {
    const top = niceCeil(Math.max(...values, 0) * 1.05);
    y = (v) => M.top + h - (v / top) * h;
    ticks = Array.from({ length: 6 }, (_, i) => (top * i) / 5);
  }
  for (const t of ticks) {
    const ty = y(t).toFixed(1);
    out.push(`<line x1="${M.left}" x2="${M.left + w}" y1="${ty}" y2="${ty}" class="grid"/>`, `<text x="${M.left - 6}" y="${ty}" dy="4" text-anchor="end" class="tick">${shortNumber(t)}</text>`);
  }
  out.push(`<text transform="translate(14,${M.top + h / 2}) rotate(-90)" text-anchor="middle" class="tick">${esc(p.unit)}</text>`);
  const groupW = w / Math.max(1, p.groups.length);
  const barW = Math.min(40, (groupW * 0.8) / Math.max(1, p.series.length));
  p.groups.forEach((g, gi) => {
    const gx = M.left + gi * groupW + (groupW - barW * p.series.length) / 2;
    g.values.forEach((v, si) => {
      const x = gx + si * barW;
      if (v === undefined || !Number.isFinite(v)) {
        out.push(`<text x="${(x + barW / 2).toFixed(1)}" y="${M.top + h - 4}" text-anchor="middle" class="value">n/a</text>`);
        return;
      }
      const top = y(v);
      out.push(
        `<rect x="${(x + 1).toFixed(1)}" y="${top.toFixed(1)}" width="${(barW - 2).toFixed(1)}" height="${(M.top + h - top).toFixed(1)}" fill="${COLORS[si % COLORS.length]}"><title>${esc(`${p.series[si]} · ${g.label}: ${v}`)}</title></rect>`,
        `<text x="${(x + barW / 2).toFixed(1)}" y="${(top - 4).toFixed(1)}" text-anchor="middle" class="value">${shortNumber(v)}</text>`,
      );
    });
    out.push(`<text x="${(M.left + gi * groupW + groupW / 2).toFixed(1)}" y="${M.top + h + 18}" text-anchor="middle" class="label">${esc(g.label)}</text>`);
  });
  out.push(`<line x1="${M.left}" x2="${M.left + w}" y1="${M.top + h}" y2="${M.top + h}" class="axis"/>`, '</g>');
  return out.join('\n');
}

/** Panels side by side with one shared legend (all panels must list the same series). */
export function barChartSvg(title: string, panels: readonly BarPanel[]): string {
  const width = PANEL_W * panels.length;
  const series = panels[0]?.series ?? [];
  const legendY = PANEL_H + 36;
  const legend = series
    .map((s, i) => {
      const x = 16 + i * 170;
      return `<rect x="${x}" y="${legendY - 10}" width="12" height="12" fill="${COLORS[i % COLORS.length]}"/><text x="${x + 18}" y="${legendY}" class="label">${esc(s)}</text>`;
    })
    .join('\n');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${PANEL_H + 52}" viewBox="0 0 ${width} ${PANEL_H + 52}" font-family="system-ui, sans-serif">`,
    `<style>.title{font-size:13px;font-weight:600}.tick{font-size:10px;fill:#475569}.label{font-size:11px;fill:#1e293b}.value{font-size:9px;fill:#1e293b}.grid{stroke:#e2e8f0}.axis{stroke:#334155}</style>`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<title>${esc(title)}</title>`,
    ...panels.map((p, i) => panel(p, i * PANEL_W)),
    legend,
    '</svg>',
    '',
  ].join('\n');
}
