// Reads what ffmpeg prints: the description of its input on standard error (format, streams, sizes,
// rotation) and the per-packet listing of the framecrc muxer on standard output (timestamps). Text
// in, figures out; nothing here runs ffmpeg.

export interface InputStream {
  /** The stream's index in the input (`Stream #0:N`). */
  readonly index: number;
  readonly kind: 'video' | 'audio' | 'other';
  /** Decoder name as ffmpeg prints it: h264, hevc, vp8, vp9, av1, aac, opus, vorbis… */
  readonly codec: string;
  /** The profile in parentheses after the codec, when printed: `Constrained Baseline`, `High 10`, `LC`. */
  readonly profile?: string;
  readonly pixelFormat?: string;
  /** Coded size, before rotation. */
  readonly width?: number;
  readonly height?: number;
  /** The nominal rate ffmpeg printed (`29.97 fps`), when it printed one. */
  readonly fps?: number;
  /** Degrees the picture is turned for display (a phone's portrait clip), from its display matrix. */
  readonly rotation: number;
  /** A cover image stored as a one-frame video stream: not the video. */
  readonly attachedPicture: boolean;
}

export interface InputDump {
  /** The demuxer's names, as in `Input #0, mov,mp4,m4a,3gp,3g2,mj2, from …`. */
  readonly formats: readonly string[];
  /** `major_brand` of an ISO-BMFF file (`isom`, `qt  `), which tells MP4 from QuickTime. */
  readonly majorBrand?: string;
  readonly streams: readonly InputStream[];
}

/** The description of input #0 in ffmpeg's standard error, or undefined when it could not open it. */
export function parseInputDump(stderr: string): InputDump | undefined {
  const lines = stderr.split(/\r?\n/);
  const start = lines.findIndex((l) => /^Input #0, /.test(l));
  if (start < 0) return undefined;
  const header = /^Input #0, (.+), from '/.exec(lines[start]!);
  const formats = (header?.[1] ?? '').split(',').map((f) => f.trim()).filter(Boolean);
  const streams: InputStream[] = [];
  let majorBrand: string | undefined;
  let current: { stream: InputStream; rotation: number } | undefined;
  const flush = () => {
    if (current) streams.push({ ...current.stream, rotation: current.rotation });
    current = undefined;
  };
  for (const line of lines.slice(start + 1)) {
    // The description ends where the output's (or the next input's) begins.
    if (/^(Output|Input) #/.test(line) || /^Stream mapping:/.test(line)) break;
    const brand = /^\s+major_brand\s*: (.*)$/.exec(line);
    if (brand && streams.length === 0 && current === undefined) majorBrand = brand[1];
    const stream = /^\s+Stream #0:(\d+)[^:]*: (Video|Audio|Subtitle|Data|Attachment): (.*)$/.exec(line);
    if (stream) {
      flush();
      current = { stream: parseStream(Number(stream[1]), stream[2]!, stream[3]!), rotation: 0 };
      continue;
    }
    if (!current) continue;
    // A display matrix is the authority; older muxers wrote only the `rotate` tag.
    const matrix = /displaymatrix: rotation of (-?[\d.]+) degrees/.exec(line);
    if (matrix) current.rotation = normalizeDegrees(Number(matrix[1]));
    const tag = /^\s+rotate\s*: (-?\d+)/.exec(line);
    if (tag && current.rotation === 0) current.rotation = normalizeDegrees(Number(tag[1]));
  }
  flush();
  return { formats, streams, ...(majorBrand === undefined ? {} : { majorBrand }) };
}

function normalizeDegrees(deg: number): number {
  if (!Number.isFinite(deg)) return 0;
  return ((Math.round(deg) % 360) + 360) % 360;
}

/** Splits on the commas that are not inside parentheses: `yuv420p(tv, bt709)` stays one part. */
function topLevelParts(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(' || c === '[') depth++;
    else if ((c === ')' || c === ']') && depth > 0) depth--;
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(from, i).trim());
      from = i + 1;
    }
  }
  parts.push(text.slice(from).trim());
  return parts;
}

function parseStream(index: number, type: string, description: string): Omit<InputStream, 'rotation'> & { rotation: 0 } {
  const kind = type === 'Video' ? 'video' : type === 'Audio' ? 'audio' : 'other';
  const parts = topLevelParts(description);
  const first = parts[0] ?? '';
  const codec = /^([\w-]+)/.exec(first)?.[1] ?? 'unknown';
  const profile = /^[\w-]+ \(([^)]*)\)/.exec(first)?.[1];
  // A codec tag in parentheses (`(avc1 / 0x31637661)`) is not a profile.
  const realProfile = profile !== undefined && !/ \/ 0x/.test(profile) ? profile : undefined;
  const stream: Omit<InputStream, 'rotation'> & { rotation: 0 } = {
    index,
    kind,
    codec,
    rotation: 0,
    attachedPicture: /\(attached pic\)/.test(description),
    ...(realProfile === undefined ? {} : { profile: realProfile }),
  };
  if (kind !== 'video') return stream;
  const pixelFormat = parts[1] !== undefined && /^[a-z][\w]*(\(|$)/.test(parts[1]) ? /^[a-z]\w*/.exec(parts[1])?.[0] : undefined;
  let width: number | undefined;
  let height: number | undefined;
  let fps: number | undefined;
  for (const part of parts.slice(1)) {
    const size = /^(\d{1,5})x(\d{1,5})(?:\s|$)/.exec(part);
    if (size && width === undefined) {
      width = Number(size[1]);
      height = Number(size[2]);
    }
    const rate = /^([\d.]+)(k?) fps$/.exec(part);
    if (rate) fps = Number(rate[1]) * (rate[2] === 'k' ? 1000 : 1);
  }
  return {
    ...stream,
    ...(pixelFormat === undefined ? {} : { pixelFormat }),
    ...(width === undefined || height === undefined ? {} : { width, height }),
    ...(fps === undefined || !(fps > 0) ? {} : { fps }),
  };
}

export interface StreamTimes {
  readonly kind: 'video' | 'audio' | 'other';
  readonly packets: number;
  /** Seconds from the earliest packet of the file. */
  readonly start: number;
  readonly end: number;
  /** Nominal frame rate measured from the packets (video with at least two packets). */
  readonly fps?: number;
}

const micro = (seconds: number): number => Math.round(seconds * 1e6) / 1e6;

/** Frame timestamps kept per stream to measure its rate: a few minutes' worth says all there is. */
const RATE_SAMPLE = 20_000;
const NO_TIMESTAMP = -9223372036854775808;
const DISCARD = 0x4;

interface Tally {
  kind: 'video' | 'audio' | 'other';
  timebase: number;
  packets: number;
  first: number;
  last: number;
  lastPts: number;
  lastDelta: number;
  sample: number[];
}

/**
 * Tallies the framecrc listing of a `-c copy` pass line by line: packets per output stream, and
 * where each starts and ends. Memory stays bounded however long the file is.
 */
export class PacketListing {
  private readonly tallies = new Map<number, Tally>();

  add(line: string): void {
    if (line.startsWith('#')) {
      const tb = /^#tb (\d+): (\d+)\/(\d+)/.exec(line);
      if (tb) this.tally(Number(tb[1])).timebase = Number(tb[2]) / Number(tb[3]);
      const type = /^#media_type (\d+): (\w+)/.exec(line);
      if (type) this.tally(Number(type[1])).kind = type[2] === 'video' ? 'video' : type[2] === 'audio' ? 'audio' : 'other';
      return;
    }
    // stream, dts, pts, duration, size, hash[, F=flags][, side data]
    const fields = line.split(',').map((f) => f.trim());
    if (fields.length < 6) return;
    const [stream, dts, pts, duration] = fields.slice(0, 4).map(Number) as [number, number, number, number];
    if (!Number.isInteger(stream)) return;
    // Discarded packets (an AAC encoder's priming frame cut by the edit list) are never shown.
    const flags = fields[6]?.startsWith('F=') ? Number.parseInt(fields[6].slice(2), 16) : 0;
    if (flags & DISCARD) return;
    const t = this.tally(stream);
    const at = pts !== NO_TIMESTAMP && Number.isFinite(pts) ? pts : dts;
    if (at === NO_TIMESTAMP || !Number.isFinite(at)) return;
    t.packets++;
    if (t.packets > 1 && at > t.lastPts) t.lastDelta = at - t.lastPts;
    t.lastPts = at;
    t.first = Math.min(t.first, at);
    // A packet without a duration (fragmented MP4's audio) lasts as long as the gap before it.
    const lasts = duration > 0 ? duration : t.lastDelta;
    t.last = Math.max(t.last, at + lasts);
    if (t.kind === 'video' && t.sample.length < RATE_SAMPLE) t.sample.push(at);
  }

  /** Per output stream, in order; times in seconds from the earliest packet of any stream. */
  streams(): StreamTimes[] {
    const counted = [...this.tallies.entries()].sort(([a], [b]) => a - b).map(([, t]) => t).filter((t) => t.packets > 0);
    const origin = Math.min(...counted.map((t) => t.first * t.timebase));
    return counted.map((t) => {
      const fps = t.kind === 'video' ? frameRate(t.sample, t.timebase) : undefined;
      return {
        kind: t.kind,
        packets: t.packets,
        start: micro(t.first * t.timebase - origin),
        end: micro(t.last * t.timebase - origin),
        ...(fps === undefined ? {} : { fps }),
      };
    });
  }

  private tally(stream: number): Tally {
    let t = this.tallies.get(stream);
    if (!t) {
      t = { kind: 'other', timebase: 1, packets: 0, first: Infinity, last: -Infinity, lastPts: -Infinity, lastDelta: 0, sample: [] };
      this.tallies.set(stream, t);
    }
    return t;
  }
}

/**
 * The nominal rate: the mean of the frame intervals within a tenth (and a tick) of the median one.
 * A plain average misleads on a screen recording, which holds a still picture for seconds, or on a
 * muxer's stretched frame; the median alone is coarse when the timebase is a millisecond (33, 34, 33).
 */
function frameRate(times: readonly number[], timebase: number): number | undefined {
  if (times.length < 2) return undefined;
  const sorted = Float64Array.from(times).sort();
  const deltas: number[] = [];
  for (let i = 1; i < sorted.length; i++) {
    const d = sorted[i]! - sorted[i - 1]!;
    if (d > 0) deltas.push(d);
  }
  if (deltas.length === 0) return undefined;
  const median = Float64Array.from(deltas).sort()[deltas.length >> 1]!;
  const near = deltas.filter((d) => d >= median * 0.9 - 1 && d <= median * 1.1 + 1);
  const mean = near.reduce((s, d) => s + d, 0) / near.length;
  return roundRate(1 / (mean * timebase));
}

/** Whole when within 0.01 of a whole number, else two decimals (29.97). */
export function roundRate(fps: number): number {
  const whole = Math.round(fps);
  return Math.abs(fps - whole) <= 0.01 ? whole : Math.round(fps * 100) / 100;
}
