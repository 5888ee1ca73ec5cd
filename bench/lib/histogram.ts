// A mergeable log-linear latency histogram (64 sub-buckets per power of two, under 1.6 % error), so
// load clients can ship a few hundred counters to the parent instead of every sample.

const SUB_BITS = 6;
const SUB = 1 << SUB_BITS;
const MAX_MICROS = 2 ** 31 - 1;

function indexOf(micros: number): number {
  const v = Math.min(MAX_MICROS, Math.max(0, Math.floor(micros)));
  if (v < SUB) return v;
  const shift = 31 - Math.clz32(v) - SUB_BITS;
  return SUB + shift * SUB + ((v >>> shift) - SUB);
}

/** The middle of a bucket, in microseconds. */
function valueOf(index: number): number {
  if (index < SUB) return index;
  const shift = Math.floor((index - SUB) / SUB);
  const mantissa = ((index - SUB) % SUB) + SUB;
  return (mantissa << shift) + ((1 << shift) - 1) / 2;
}

/** The wire form: [bucket, count] pairs plus exact extremes. */
export interface HistogramData {
  readonly buckets: readonly (readonly [number, number])[];
  readonly count: number;
  readonly sumMicros: number;
  readonly minMicros: number;
  readonly maxMicros: number;
}

export class Histogram {
  private readonly counts = new Map<number, number>();
  private total = 0;
  private sum = 0;
  private min = Infinity;
  private max = 0;

  static from(data: HistogramData): Histogram {
    const h = new Histogram();
    h.merge(data);
    return h;
  }

  get count(): number {
    return this.total;
  }

  recordMillis(ms: number): void {
    const micros = Math.max(0, ms * 1000);
    const i = indexOf(micros);
    this.counts.set(i, (this.counts.get(i) ?? 0) + 1);
    this.total++;
    this.sum += micros;
    if (micros < this.min) this.min = micros;
    if (micros > this.max) this.max = micros;
  }

  merge(data: HistogramData): void {
    for (const [i, n] of data.buckets) this.counts.set(i, (this.counts.get(i) ?? 0) + n);
    this.total += data.count;
    this.sum += data.sumMicros;
    if (data.count > 0) {
      this.min = Math.min(this.min, data.minMicros);
      this.max = Math.max(this.max, data.maxMicros);
    }
  }

  /** The q-quantile (0..1) in milliseconds; undefined when empty. */
  quantileMillis(q: number): number | undefined {
    if (this.total === 0) return undefined;
    if (q >= 1) return this.max / 1000;
    const rank = Math.max(1, Math.ceil(q * this.total));
    let seen = 0;
    for (const i of [...this.counts.keys()].sort((a, b) => a - b)) {
      seen += this.counts.get(i) ?? 0;
      if (seen >= rank) return Math.min(this.max, Math.max(this.min, valueOf(i))) / 1000;
    }
    return this.max / 1000;
  }

  meanMillis(): number | undefined {
    return this.total === 0 ? undefined : this.sum / this.total / 1000;
  }

  toData(): HistogramData {
    return { buckets: [...this.counts.entries()], count: this.total, sumMicros: this.sum, minMicros: this.total ? this.min : 0, maxMicros: this.max };
  }
}
