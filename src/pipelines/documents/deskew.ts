// How far a scan's text lines lean. Letters sit on baselines, so projected along the right angle their
// bottoms pile up in a few narrow bands; along a wrong one they smear. The angle whose projection is
// most peaked (largest sum of squared bin counts) is the skew.
import type { Blob } from './components.js';

/** Scans lean a little; a page turned further than this is a layout, not a skew. */
const MAX_DEGREES = 10;
const COARSE_STEP = 0.25;
const FINE_STEP = 0.02;

/** Degrees the lines descend to the right (positive: clockwise), or 0 when there is too little text. */
export function estimateSkew(blobs: readonly Blob[], glyphHeight: number): number {
  const points = blobs.filter((b) => {
    const h = b.y1 - b.y0;
    return h >= glyphHeight * 0.5 && h <= glyphHeight * 2 && b.x1 - b.x0 <= glyphHeight * 3;
  });
  if (points.length < 20) return 0;
  const xs = Float64Array.from(points, (b) => (b.x0 + b.x1) / 2);
  const ys = Float64Array.from(points, (b) => b.y1);
  const bin = Math.max(1, glyphHeight / 4);
  const score = (degrees: number): number => {
    const t = Math.tan((degrees * Math.PI) / 180);
    const counts = new Map<number, number>();
    for (let i = 0; i < xs.length; i++) {
      const key = Math.round((ys[i]! - xs[i]! * t) / bin);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    let sum = 0;
    for (const c of counts.values()) sum += c * c;
    return sum;
  };
  const best = (from: number, to: number, step: number): number => {
    let angle = 0;
    let top = -1;
    for (let a = from; a <= to + 1e-9; a += step) {
      const s = score(a);
      // Ties go to the angle nearest zero: a page with one line of text has no preferred lean.
      if (s > top || (s === top && Math.abs(a) < Math.abs(angle))) {
        top = s;
        angle = a;
      }
    }
    return angle;
  };
  const coarse = best(-MAX_DEGREES, MAX_DEGREES, COARSE_STEP);
  return Math.round(best(coarse - COARSE_STEP, coarse + COARSE_STEP, FINE_STEP) * 100) / 100;
}
