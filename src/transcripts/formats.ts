// A stored transcript as a client reads it: WebVTT for a <track>, plain text, or JSON.
import type { TranscriptSegment } from '../pipelines/videos/index.js';

export const TRANSCRIPT_FORMATS = ['json', 'vtt', 'text'] as const;
export type TranscriptFormat = (typeof TRANSCRIPT_FORMATS)[number];

/** hh:mm:ss.ttt, the only timestamp form every player parses (the hours are optional in the spec). */
function timestamp(seconds: number): string {
  const ms = Math.round(seconds * 1000);
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return `${pad(Math.floor(ms / 3_600_000))}:${pad(Math.floor(ms / 60_000) % 60)}:${pad(Math.floor(ms / 1000) % 60)}.${pad(ms % 1000, 3)}`;
}

// Cue text is markup: a bare `<` or `&` would start a tag or an entity, and `-->` would end the cue.
const escapeCueText = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A WebVTT file with one cue per segment; just the header for a transcript without timings. */
export function toWebVtt(segments: readonly TranscriptSegment[]): string {
  const cues = segments.map((s) => {
    // A cue must end after it starts; an engine may report a zero-length segment.
    const end = Math.max(s.end, s.start + 0.001);
    return `${timestamp(s.start)} --> ${timestamp(end)}\n${escapeCueText(s.text)}`;
  });
  return ['WEBVTT', ...cues].join('\n\n') + '\n';
}

export function toPlainText(text: string): string {
  return text === '' ? '' : `${text}\n`;
}
