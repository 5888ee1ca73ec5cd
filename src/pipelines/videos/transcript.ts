// What a transcription produces: the text, and timed segments (the cues of a captions track) when the
// engine knows the timings. Also reads the shapes a hook may print or answer, and groups an engine's
// word timings into cues a person can read.

export interface TranscriptSegment {
  /** Seconds from the start of the video. */
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

export interface Transcript {
  readonly text: string;
  /** In order of `start`; empty when the engine gave no timings (plain text). */
  readonly segments: readonly TranscriptSegment[];
}

/** A hook's output that claims a shape (JSON, timed lines) but does not hold to it. */
export class TranscriptFormatError extends Error {
  override readonly name = 'TranscriptFormatError';
}

/**
 * Reads a hook's output: JSON (`{"segments": [{start, end, text}], "text"?}` as the Whisper CLI
 * writes it, a bare array of segments, or `{"transcript": "…"}`), timed lines
 * (`[00:00:01.000 --> 00:00:03.500]  text`, as whisper.cpp prints them), or else plain text.
 * `json` says the output was declared JSON (an HTTP Content-Type), so it must parse as such.
 */
export function readTranscript(output: string, declared: 'json' | 'sniff' = 'sniff'): Transcript {
  const trimmed = output.trim();
  if (declared === 'json' || /^[[{]/.test(trimmed)) {
    const parsed = parseJson(trimmed);
    if (parsed.ok) return fromJson(parsed.value);
    if (declared === 'json') throw new TranscriptFormatError(`the JSON does not parse: ${parsed.error}`);
  }
  return timedLines(trimmed) ?? plainText(trimmed);
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}

function plainText(text: string): Transcript {
  return { text, segments: [] };
}

function fromJson(parsed: unknown): Transcript {
  if (Array.isArray(parsed)) return withSegments(undefined, segmentsFrom(parsed));
  if (typeof parsed !== 'object' || parsed === null) throw new TranscriptFormatError('expected a JSON object or array');
  const body = parsed as Record<string, unknown>;
  const text = body.text ?? body.transcript;
  if (text !== undefined && typeof text !== 'string') throw new TranscriptFormatError('"text" (or "transcript") must be a string');
  if (body.segments !== undefined) {
    if (!Array.isArray(body.segments)) throw new TranscriptFormatError('"segments" must be an array');
    return withSegments(text, segmentsFrom(body.segments));
  }
  if (text === undefined) throw new TranscriptFormatError('the JSON has none of "segments", "text" or "transcript"');
  return plainText(text.trim());
}

function segmentsFrom(items: readonly unknown[]): TranscriptSegment[] {
  return items.map((item, i) => {
    const at = `segments[${i}]`;
    if (typeof item !== 'object' || item === null) throw new TranscriptFormatError(`${at} is not an object`);
    const { start, end, text } = item as Record<string, unknown>;
    if (typeof start !== 'number' || typeof end !== 'number' || !Number.isFinite(start) || !Number.isFinite(end) || start < 0 || end < start) {
      throw new TranscriptFormatError(`${at} needs numbers "start" ≤ "end", in seconds from 0`);
    }
    if (typeof text !== 'string') throw new TranscriptFormatError(`${at}.text must be a string`);
    return { start, end, text: oneLine(text) };
  });
}

function withSegments(text: string | undefined, segments: TranscriptSegment[]): Transcript {
  const ordered = segments.filter((s) => s.text !== '').sort((a, b) => a.start - b.start || a.end - b.end);
  return { text: text?.trim() ?? ordered.map((s) => s.text).join(' '), segments: ordered };
}

const TIMED_LINE = /^\[(\d+):(\d{2}):(\d{2}(?:[.,]\d+)?) --> (\d+):(\d{2}):(\d{2}(?:[.,]\d+)?)\]\s*(.*)$/;

/** Every non-blank line timed, or undefined: a plain text that merely opens with a bracket stays text. */
function timedLines(output: string): Transcript | undefined {
  const lines = output.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length === 0) return undefined;
  const segments: TranscriptSegment[] = [];
  for (const line of lines) {
    const m = TIMED_LINE.exec(line.trim());
    if (!m) return undefined;
    const [, h1, m1, s1, h2, m2, s2, text = ''] = m;
    const seconds = (h: string | undefined, min: string | undefined, s: string | undefined) => Number(h) * 3600 + Number(min) * 60 + Number(s?.replace(',', '.'));
    const start = seconds(h1, m1, s1);
    const end = seconds(h2, m2, s2);
    if (end < start) return undefined;
    segments.push({ start, end, text: oneLine(text) });
  }
  return withSegments(undefined, segments);
}

/** A cue is one block of text: a blank line would end it early in WebVTT. */
const oneLine = (text: string): string => text.replace(/\s+/g, ' ').trim();

export interface TimedWord {
  readonly word: string;
  readonly start: number;
  readonly end: number;
}

export interface CueLimits {
  /** Longest a cue lasts on screen. */
  readonly maxSeconds: number;
  /** Most characters in a cue: about two lines of a player's captions. */
  readonly maxChars: number;
  /** A silence at least this long ends a cue. */
  readonly pauseSeconds: number;
}

export const CUE_LIMITS: CueLimits = { maxSeconds: 5, maxChars: 84, pauseSeconds: 0.6 };

/**
 * Groups words (in order, with their times) into cues of a few seconds, ending one at a pause, at
 * an utterance's end (`breaks` holds the index of each word that opens a new utterance) or when it
 * would grow past the limits. The text has one line per utterance.
 */
export function cuesFromWords(words: readonly TimedWord[], breaks: ReadonlySet<number> = new Set(), limits: CueLimits = CUE_LIMITS): Transcript {
  const segments: TranscriptSegment[] = [];
  const utterances: string[][] = [];
  let cue: TimedWord[] = [];
  const flush = () => {
    const first = cue[0];
    const last = cue.at(-1);
    if (first && last) segments.push({ start: first.start, end: last.end, text: cue.map((w) => w.word).join(' ') });
    cue = [];
  };
  words.forEach((word, i) => {
    const previous = cue.at(-1);
    const first = cue[0];
    const chars = cue.reduce((n, w) => n + w.word.length + 1, word.word.length);
    const newUtterance = i === 0 || breaks.has(i);
    if (previous && first && (newUtterance || word.start - previous.end >= limits.pauseSeconds || word.end - first.start > limits.maxSeconds || chars > limits.maxChars)) flush();
    if (newUtterance) utterances.push([]);
    utterances.at(-1)?.push(word.word);
    cue.push(word);
  });
  flush();
  return { text: utterances.map((u) => u.join(' ')).join('\n'), segments };
}
