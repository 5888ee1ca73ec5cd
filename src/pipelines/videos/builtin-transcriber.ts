// The built-in engine, offline: ffmpeg turns the video's first audio track into the 16 kHz mono PCM
// the model wants, then pocketsphinx decodes it and its word timings become cues. Both steps share
// one deadline; the audio lives in a temporary directory that is always removed.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeExit, runBounded } from './bounded-process.js';
import { FfmpegTimeoutError, lastComplaint, QUIET, runFfmpeg, type Ffmpeg } from './ffmpeg.js';
import { parseInputDump } from './ffmpeg-output.js';
import { complaintOf, pocketsphinxArgs, readOutputLine, SAMPLE_RATE, type PocketsphinxInstall } from './pocketsphinx.js';
import { cuesFromWords, type TimedWord } from './transcript.js';
import type { Transcriber, TranscriptionInput, TranscriptionResult } from './transcriber.js';

export interface BuiltinTranscriberOptions {
  readonly ffmpeg: Ffmpeg;
  readonly pocketsphinx: PocketsphinxInstall;
  /** Covers both steps, conversion and decoding. */
  readonly timeoutMs?: number;
  /** After a timeout or an abort, the wait between SIGTERM and SIGKILL. */
  readonly killGraceMs?: number;
}

export const BUILTIN_TRANSCRIBER_DEFAULTS = {
  timeoutMs: 60 * 60_000,
  killGraceMs: 2_000,
} as const;

/** Decoding takes a core for a while: lower than the server, so requests keep their latency. */
const DECODER_NICENESS = 10;
const STDERR_TAIL_BYTES = 4096;
/** The decoder needs none of the server's environment; a locale keeps its messages plain. */
const DECODER_ENV = { LANG: 'C' } as const;

export function builtinTranscriber(options: BuiltinTranscriberOptions): Transcriber {
  const timeoutMs = options.timeoutMs ?? BUILTIN_TRANSCRIBER_DEFAULTS.timeoutMs;
  const killGraceMs = options.killGraceMs ?? BUILTIN_TRANSCRIBER_DEFAULTS.killGraceMs;
  return {
    engine: 'builtin',
    async transcribe(input, signal) {
      signal.throwIfAborted();
      const deadline = Date.now() + timeoutMs;
      const timedOut = (): TranscriptionResult => ({ status: 'ERROR', reason: `transcription timed out after ${timeoutMs} ms` });
      const dir = await mkdtemp(join(tmpdir(), 'capstan-transcribe-'));
      try {
        const audio = join(dir, 'audio.pcm');
        const extracted = await extractAudio(options.ffmpeg, input, audio, deadline - Date.now(), signal);
        if (extracted === 'timeout') return timedOut();
        if (extracted !== 'ok') return extracted;
        return await decode(options.pocketsphinx, audio, { timeoutMs: Math.max(1, deadline - Date.now()), killGraceMs, signal }, timedOut);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}

async function extractAudio(ffmpeg: Ffmpeg, input: TranscriptionInput, out: string, remainingMs: number, signal: AbortSignal): Promise<'ok' | 'timeout' | TranscriptionResult> {
  if (remainingMs <= 0) return 'timeout';
  try {
    // One thread: audio decoding is light, and the decoder that follows needs the core more.
    const run = await runFfmpeg({ ...ffmpeg, timeoutMs: Math.min(ffmpeg.timeoutMs, remainingMs) }, {
      args: [...QUIET, '-y', '-threads', '1', '-i', input.path, '-map', '0:a:0', '-vn', '-ac', '1', '-ar', String(SAMPLE_RATE), '-c:a', 'pcm_s16le', '-f', 's16le', out],
      signal,
    });
    if (run.code === 0) return 'ok';
    const dump = parseInputDump(run.head);
    if (dump && !dump.streams.some((s) => s.kind === 'audio')) return { status: 'NO_AUDIO' };
    return { status: 'ERROR', reason: `ffmpeg could not read the audio: ${lastComplaint(run)}` };
  } catch (err) {
    if (signal.aborted) throw signal.reason;
    if (err instanceof FfmpegTimeoutError) return 'timeout';
    throw err;
  }
}

async function decode(
  install: PocketsphinxInstall,
  audio: string,
  bounds: { timeoutMs: number; killGraceMs: number; signal: AbortSignal },
  timedOut: () => TranscriptionResult,
): Promise<TranscriptionResult> {
  const words: TimedWord[] = [];
  const breaks = new Set<number>();
  const outcome = await runBounded({
    command: install.command,
    args: pocketsphinxArgs(install, audio),
    env: DECODER_ENV,
    ...bounds,
    niceness: DECODER_NICENESS,
    stdout: {
      onLine(line) {
        const read = readOutputLine(line);
        if (read.kind === 'utterance') breaks.add(words.length);
        else if (read.kind === 'word') words.push(read.word);
      },
    },
    stderrTailBytes: STDERR_TAIL_BYTES,
  });
  if (outcome.kind === 'timeout') return timedOut();
  if (outcome.kind === 'spawn_failed') return { status: 'ERROR', reason: `could not run ${install.command}: ${outcome.error.message}` };
  if (outcome.code !== 0) {
    const said = complaintOf(outcome.stderr);
    return { status: 'ERROR', reason: `${install.command} ${describeExit(outcome)}${said ? `: ${said}` : ''}` };
  }
  return { status: 'COMPLETE', transcript: cuesFromWords(words, breaks) };
}
