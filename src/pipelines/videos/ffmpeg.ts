// Runs ffmpeg (the binary shipped in @ffmpeg-installer, or the operator's) without a shell, bounded:
// killed when its time is up or the workflow's signal aborts, its threads capped, its output kept
// to what the parsers need.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { BoundedText } from './bounded-text.js';

export interface Ffmpeg {
  /** The executable: a path, or a name looked up on PATH. */
  readonly path: string;
  /** Threads one run may use to decode, filter and encode. */
  readonly threads: number;
  /** Longest one run may take before it is killed. */
  readonly timeoutMs: number;
}

export interface FfmpegRun {
  readonly args: readonly string[];
  readonly signal: AbortSignal;
  /** Each line of standard output (packet and frame listings), as it comes. */
  readonly onLine?: (line: string) => void;
}

export interface FfmpegResult {
  /** null when ffmpeg died of a signal. */
  readonly code: number | null;
  /** The start of standard error: the input's description comes first. */
  readonly head: string;
  /** Its last lines: what ffmpeg complained about before it stopped. */
  readonly tail: string;
}

/** A run that outlived Ffmpeg.timeoutMs; it was killed. */
export class FfmpegTimeoutError extends Error {
  override readonly name = 'FfmpegTimeoutError';
}

const STDERR_HEAD_BYTES = 256 * 1024;
const STDERR_TAIL_BYTES = 4 * 1024;

/** The options every run starts with: no banner, no prompt, no progress lines on standard error. */
export const QUIET = ['-hide_banner', '-nostdin', '-nostats'] as const;

/**
 * Resolves with the exit code whatever it is (callers read a failure from the output); rejects
 * when the signal aborts (with its reason), on a timeout (FfmpegTimeoutError) or when the binary
 * cannot be started.
 */
export function runFfmpeg(ffmpeg: Ffmpeg, run: FfmpegRun): Promise<FfmpegResult> {
  run.signal.throwIfAborted();
  return new Promise((resolve, reject) => {
    // ffmpeg needs nothing from the server's environment (database URLs, tokens), so it gets none.
    const child = spawn(ffmpeg.path, run.args, { stdio: ['ignore', 'pipe', 'pipe'], env: {} });
    const head = new BoundedText(STDERR_HEAD_BYTES);
    const tail = new BoundedText(STDERR_TAIL_BYTES, 'tail');
    child.stderr.on('data', (chunk: Buffer) => {
      head.add(chunk);
      tail.add(chunk);
    });
    const lines = run.onLine;
    if (lines) createInterface({ input: child.stdout, crlfDelay: Infinity }).on('line', lines);
    else child.stdout.resume();

    let settled = false;
    const settle = (finish: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      run.signal.removeEventListener('abort', onAbort);
      finish();
    };
    const kill = () => {
      child.kill('SIGKILL');
      child.stdout.destroy();
      child.stderr.destroy();
    };
    const onAbort = () =>
      settle(() => {
        kill();
        reject(run.signal.reason);
      });
    const timer = setTimeout(
      () =>
        settle(() => {
          kill();
          reject(new FfmpegTimeoutError(`ffmpeg ran longer than ${ffmpeg.timeoutMs} ms and was killed`));
        }),
      ffmpeg.timeoutMs,
    );
    run.signal.addEventListener('abort', onAbort, { once: true });
    child.on('error', (err) => settle(() => reject(new Error(`could not run ffmpeg (${ffmpeg.path}): ${err.message}`, { cause: err }))));
    // 'close' waits for the pipes, so every line has been handed to onLine by then.
    child.on('close', (code) => settle(() => resolve({ code, head: head.text(), tail: tail.text().trim() })));
  });
}

/** The last line of what ffmpeg said, for an error message. */
export const lastComplaint = (result: FfmpegResult): string => result.tail.split('\n').at(-1)?.trim() ?? '';
