// The command hook: runs an operator's program on the video file, without a shell. Exit 0 is
// COMPLETE and its standard output the transcript (plain text, JSON segments or timed lines, see
// readTranscript); anything else is ERROR.
import { describeExit, runBounded } from './bounded-process.js';
import { readTranscript, TranscriptFormatError } from './transcript.js';
import type { Transcriber, TranscriptionInput, TranscriptionResult } from './transcriber.js';

export interface CommandTranscriberOptions {
  /** The program: a path, or a name looked up on PATH. */
  command: string;
  /** Arguments placed before the video's path, which always comes last. */
  args?: readonly string[];
  timeoutMs?: number;
  /** Standard output read at most; a transcript longer than this is ERROR rather than cut short. */
  maxTranscriptBytes?: number;
  /**
   * Variables for the program on top of PATH, HOME, LANG and TMPDIR. The server's own environment
   * (database URLs, tokens) is not passed on.
   */
  env?: Readonly<Record<string, string>>;
  /** After a timeout, the wait between SIGTERM and SIGKILL. */
  killGraceMs?: number;
}

export const COMMAND_TRANSCRIBER_DEFAULTS = {
  timeoutMs: 10 * 60_000,
  maxTranscriptBytes: 8 * 1024 * 1024,
  killGraceMs: 2_000,
} as const;

const STDERR_TAIL_BYTES = 2048;
const INHERITED_ENV = ['PATH', 'HOME', 'LANG', 'TMPDIR'] as const;

type Defaulted = keyof typeof COMMAND_TRANSCRIBER_DEFAULTS;
type Settings = CommandTranscriberOptions & Required<Pick<CommandTranscriberOptions, Defaulted>>;

export function commandTranscriber(options: CommandTranscriberOptions): Transcriber {
  const settings: Settings = {
    ...options,
    timeoutMs: options.timeoutMs ?? COMMAND_TRANSCRIBER_DEFAULTS.timeoutMs,
    maxTranscriptBytes: options.maxTranscriptBytes ?? COMMAND_TRANSCRIBER_DEFAULTS.maxTranscriptBytes,
    killGraceMs: options.killGraceMs ?? COMMAND_TRANSCRIBER_DEFAULTS.killGraceMs,
  };
  return {
    engine: 'command',
    transcribe: (input, signal) => runCommand(settings, input, signal),
  };
}

async function runCommand(options: Settings, input: TranscriptionInput, signal: AbortSignal): Promise<TranscriptionResult> {
  signal.throwIfAborted();
  const env: Record<string, string> = { CAPSTAN_VIDEO_ID: input.videoId };
  for (const name of INHERITED_ENV) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  Object.assign(env, options.env);
  const outcome = await runBounded({
    command: options.command,
    args: [...(options.args ?? []), input.path],
    env,
    timeoutMs: options.timeoutMs,
    killGraceMs: options.killGraceMs,
    signal,
    stdout: { keepBytes: options.maxTranscriptBytes },
    stderrTailBytes: STDERR_TAIL_BYTES,
  });
  if (outcome.kind === 'timeout') return { status: 'ERROR', reason: `${options.command} timed out after ${options.timeoutMs} ms` };
  if (outcome.kind === 'spawn_failed') return { status: 'ERROR', reason: `could not run ${options.command}: ${outcome.error.message}` };
  if (outcome.code !== 0) {
    return { status: 'ERROR', reason: `${options.command} ${describeExit(outcome)}${outcome.stderr ? `: ${outcome.stderr}` : ''}` };
  }
  if (outcome.stdout.truncated) return { status: 'ERROR', reason: `${options.command} printed a transcript larger than ${options.maxTranscriptBytes} bytes` };
  try {
    return { status: 'COMPLETE', transcript: readTranscript(outcome.stdout.text()) };
  } catch (err) {
    if (err instanceof TranscriptFormatError) return { status: 'ERROR', reason: `${options.command} printed an unreadable transcript: ${err.message}` };
    throw err;
  }
}
