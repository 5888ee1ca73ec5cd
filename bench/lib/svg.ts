// Hand-written SVG charts: grouped bar charts (one panel per measure, bars grouped by a parameter, say
// subscribers, and coloured by series, say server) and line charts over time (one panel per measure,
// for the soak). No chart library, no script, no external font.

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
const STYLE = `<style>.title{font-size:13px;font-weight:600}.tick{font-size:10px;fill:#475569}.label{font-size:11px;fill:#1e293b}.value{font-size:9px;fill:#1e293b}.grid{stroke:#e2e8f0}.axis{stroke:#334155}</style>`;

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

/** The y scale of a panel's plot area (h high, below M.top) and its tick values. */
function yScale(values: readonly number[], log: boolean, h: number): { y: (v: number) => number; ticks: number[] } {
  if (log) {
    const positive = values.filter((v) => v > 0);
    const lo = 10 ** Math.floor(Math.log10(Math.min(...positive, 1)));
    const hi = 10 ** Math.ceil(Math.log10(Math.max(...positive, lo * 10)));
    const span = Math.log10(hi) - Math.log10(lo);
    const ticks: number[] = [];
    for (let t = lo; t <= hi * 1.0001; t *= 10) ticks.push(t);
    return { y: (v) => M.top + h - ((Math.log10(Math.max(v, lo)) - Math.log10(lo)) / span) * h, ticks };
  }
  const top = niceCeil(Math.max(...values, 0) * 1.05);
  return { y: (v) => M.top + h - (v / top) * h, ticks: Array.from({ length: 6 }, (_, i) => (top * i) / 5) };
}

/** Horizontal grid lines with their labels, and the unit along the y axis. */
function yAxis(out: string[], ticks: readonly number[], y: (v: number) => number, w: number, h: number, unit: string): void {
  for (const t of ticks) {
    const ty = y(t).toFixed(1);
    out.push(`<line x1="${M.left}" x2="${M.left + w}" y1="${ty}" y2="${ty}" class="grid"/>`, `<text x="${M.left - 6}" y="${ty}" dy="4" text-anchor="end" class="tick">${shortNumber(t)}</text>`);
  }
  out.push(`<text transform="translate(14,${M.top + h / 2}) rotate(-90)" text-anchor="middle" class="tick">${esc(unit)}</text>`);
}

function panel(p: BarPanel, ox: number): string {
  const w = PANEL_W - M.left - M.right;
  const h = PANEL_H - M.top - M.bottom;
  const values = p.groups.flatMap((g) => g.values).filter((v): v is number => v !== undefined && Number.isFinite(v));
  const out: string[] = [`<g transform="translate(${ox},0)">`, `<text x="${PANEL_W / 2}" y="20" text-anchor="middle" class="title">${esc(p.title)}</text>`];
  const { y, ticks } = yScale(values, p.scale === 'log', h);
  yAxis(out, ticks, y, w, h, p.unit);
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
    STYLE,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<title>${esc(title)}</title>`,
    ...panels.map((p, i) => panel(p, i * PANEL_W)),
    legend,
    '</svg>',
    '',
  ].join('\n');
}

export interface LinePanel {
  readonly title: string;
  readonly unit: string;
  /** Where each point lies along x (say, seconds since the start), shared by the panel's lines. */
  readonly x: readonly number[];
  readonly xUnit: string;
  /** One or more lines, each with a value per x (undefined: no point there, the line breaks). */
  readonly lines: readonly { readonly name: string; readonly values: readonly (number | undefined)[] }[];
}

function linePanel(p: LinePanel, ox: number, oy: number): string {
  const w = PANEL_W - M.left - M.right;
  const h = PANEL_H - M.top - M.bottom;
  const values = p.lines.flatMap((l) => l.values).filter((v): v is number => v !== undefined && Number.isFinite(v));
  const out: string[] = [`<g transform="translate(${ox},${oy})">`, `<text x="${PANEL_W / 2}" y="16" text-anchor="middle" class="title">${esc(p.title)}</text>`];
  p.lines.forEach((l, i) => {
    const lx = M.left + i * 120;
    out.push(`<rect x="${lx}" y="24" width="10" height="3" fill="${COLORS[i % COLORS.length]}"/><text x="${lx + 14}" y="29" class="tick">${esc(l.name)}</text>`);
  });
  const { y, ticks } = yScale(values, false, h);
  yAxis(out, ticks, y, w, h, p.unit);
  const x0 = Math.min(...p.x, 0);
  const x1 = niceCeil(Math.max(...p.x, x0 + 1));
  const x = (v: number) => M.left + ((v - x0) / (x1 - x0)) * w;
  for (let i = 0; i <= 5; i++) {
    const t = x0 + ((x1 - x0) * i) / 5;
    out.push(`<text x="${x(t).toFixed(1)}" y="${M.top + h + 16}" text-anchor="middle" class="tick">${shortNumber(t)}</text>`);
  }
  out.push(`<text x="${M.left + w / 2}" y="${M.top + h + 34}" text-anchor="middle" class="label">${esc(p.xUnit)}</text>`);
  p.lines.forEach((l, i) => {
    let d = '';
    let pen = false;
    l.values.forEach((v, k) => {
      const px = p.x[k];
      if (v === undefined || !Number.isFinite(v) || px === undefined) {
        pen = false;
        return;
      }
      d += `${pen ? 'L' : 'M'}${x(px).toFixed(1)},${y(v).toFixed(1)}`;
      pen = true;
    });
    if (d) out.push(`<path d="${d}" fill="none" stroke="${COLORS[i % COLORS.length]}" stroke-width="1.5"><title>${esc(l.name)}</title></path>`);
  });
  out.push(`<line x1="${M.left}" x2="${M.left + w}" y1="${M.top + h}" y2="${M.top + h}" class="axis"/>`, '</g>');
  return out.join('\n');
}

/** Line-chart panels in a grid of `columns`, each with its own legend under its title. */
export function lineChartSvg(title: string, panels: readonly LinePanel[], columns = 2): string {
  const cols = Math.max(1, Math.min(columns, panels.length));
  const rows = Math.ceil(panels.length / cols);
  const width = PANEL_W * cols;
  const height = PANEL_H * rows;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif">`,
    STYLE,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<title>${esc(title)}</title>`,
    ...panels.map((p, i) => linePanel(p, (i % cols) * PANEL_W, Math.floor(i / cols) * PANEL_H)),
    '</svg>',
    '',
  ].join('\n');
}
