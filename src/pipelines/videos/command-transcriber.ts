// The command hook: runs an operator's program on the video file, without a shell. Exit 0 is
// COMPLETE and its standard output the transcript; anything else is ERROR.
import { spawn } from 'node:child_process';
import { BoundedText } from './bounded-text.js';
import type { Transcriber, TranscriptionInput, TranscriptionResult } from './transcriber.js';

export interface CommandTranscriberOptions {
  /** The program: a path, or a name looked up on PATH. */
  command: string;
  /** Arguments placed before the video's path, which always comes last. */
  args?: readonly string[];
  timeoutMs?: number;
  /** Standard output kept as the transcript; the rest is dropped. */
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
  maxTranscriptBytes: 1024 * 1024,
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
    transcribe: (input, signal) => runCommand(settings, input, signal),
  };
}

function runCommand(
  options: Settings,
  input: TranscriptionInput,
  signal: AbortSignal,
): Promise<TranscriptionResult> {
  signal.throwIfAborted();
  const env: Record<string, string> = { CAPSTAN_VIDEO_ID: input.videoId };
  for (const name of INHERITED_ENV) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  Object.assign(env, options.env);

  return new Promise((resolve, reject) => {
    // Its own process group, so a timeout also ends whatever the program started: a grandchild
    // holding the output pipe open would otherwise outlive it.
    const child = spawn(options.command, [...(options.args ?? []), input.path], {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
      env,
    });
    const stdout = new BoundedText(options.maxTranscriptBytes);
    const stderr = new BoundedText(STDERR_TAIL_BYTES, 'tail');
    child.stdout.on('data', (chunk: Buffer) => stdout.add(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.add(chunk));

    let settled = false;
    const signalGroup = (name: NodeJS.Signals) => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, name);
      } catch {
        // The group is already gone.
      }
    };
    // The SIGKILL goes out even if the program itself has exited: a grandchild may ignore SIGTERM.
    const stop = () => {
      signalGroup('SIGTERM');
      setTimeout(() => signalGroup('SIGKILL'), options.killGraceMs).unref();
      child.stdout.destroy();
      child.stderr.destroy();
    };
    const settle = (finish: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timeout);
      signal.removeEventListener('abort', onAbort);
      finish();
    };
    const onAbort = () =>
      settle(() => {
        stop();
        reject(signal.reason);
      });
    const timeout = setTimeout(
      () =>
        settle(() => {
          stop();
          resolve({ status: 'ERROR', reason: `${options.command} timed out after ${options.timeoutMs} ms` });
        }),
      options.timeoutMs,
    );
    signal.addEventListener('abort', onAbort, { once: true });

    child.on('error', (err) =>
      settle(() => resolve({ status: 'ERROR', reason: `could not run ${options.command}: ${err.message}` })),
    );
    child.on('close', (code, killedBy) =>
      settle(() => {
        if (code === 0) {
          resolve({ status: 'COMPLETE', transcript: stdout.text() });
          return;
        }
        const how = code === null ? `was killed by ${killedBy ?? 'a signal'}` : `exited with code ${code}`;
        const said = stderr.text().trim();
        resolve({ status: 'ERROR', reason: `${options.command} ${how}${said ? `: ${said}` : ''}` });
      }),
    );
  });
}
