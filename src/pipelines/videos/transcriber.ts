// Transcription is an engine: the built-in one (pocketsphinx) or a hook the operator plugs in (a
// command or an HTTP endpoint). These functions decide a video's transcriptionStatus around it, for
// the processing workflow to call in turn.
import type { ProbeResult } from './probe.js';
import type { Transcript } from './transcript.js';

/** The seed's values for `transcriptionStatus`. */
export type TranscriptionStatus = 'PROCESSING' | 'COMPLETE' | 'ERROR' | 'SKIPPED' | 'NO_AUDIO';

export interface TranscriptionInput {
  /** A local file holding the whole video. */
  path: string;
  videoId: string;
}

/** NO_AUDIO comes from an engine that found no audio track where the probe could not tell. */
export type TranscriptionResult = { status: 'COMPLETE'; transcript: Transcript } | { status: 'ERROR'; reason: string } | { status: 'NO_AUDIO' };

export interface Transcriber {
  /** Recorded with the transcript: builtin, command or http. */
  readonly engine: string;
  /**
   * Resolves COMPLETE or ERROR for anything the engine itself does (fails, times out). Rejects only
   * when `signal` aborts (shutdown, lease lost): that is not the video's fault and should be retried.
   */
  transcribe(input: TranscriptionInput, signal: AbortSignal): Promise<TranscriptionResult>;
}

/**
 * The status a video takes once probed. PROCESSING means "run the transcriber now", with
 * `runTranscription` giving the final status. A probe that failed (`null`) tells nothing about
 * audio, so the transcriber, if any, gets to try.
 */
export function transcriptionStatusFor(
  probe: Pick<ProbeResult, 'hasAudio'> | null,
  transcriber?: Transcriber | null,
): 'NO_AUDIO' | 'SKIPPED' | 'PROCESSING' {
  if (probe !== null && !probe.hasAudio) return 'NO_AUDIO';
  if (transcriber === undefined || transcriber === null) return 'SKIPPED';
  return 'PROCESSING';
}

/** Runs the engine; one that throws counts as ERROR, so only an abort rejects. */
export async function runTranscription(
  transcriber: Transcriber,
  input: TranscriptionInput,
  signal: AbortSignal,
): Promise<TranscriptionResult> {
  try {
    return await transcriber.transcribe(input, signal);
  } catch (err) {
    if (signal.aborted) throw err;
    return { status: 'ERROR', reason: err instanceof Error ? err.message : String(err) };
  }
}
