// Turns the CAPSTAN_FFMPEG_* options into the ffmpeg the video pipeline runs: the operator's, or the
// static binary shipped inside the @ffmpeg-installer npm package for this platform. Either must be
// an executable file at start: one that is not would fail every video, and only when it arrived.
import { createRequire } from 'node:module';
import { ConfigError, type Config } from '../config/index.js';
import type { Ffmpeg } from '../pipelines/videos/index.js';
import { notExecutable, resolveExecutable } from '../util/executable.js';

export function ffmpegFromConfig(config: Config): Ffmpeg {
  return { path: ffmpegPath(config.ffmpegPath), threads: config.ffmpegThreads, timeoutMs: config.ffmpegTimeoutSeconds * 1000 };
}

function ffmpegPath(configured: string | null): string {
  if (configured !== null) {
    const found = resolveExecutable(configured);
    if (found === undefined) throw new ConfigError(`invalid CAPSTAN_FFMPEG_PATH: ${notExecutable(configured)}`);
    return found;
  }
  const shipped = bundledFfmpeg();
  if (resolveExecutable(shipped) === undefined) {
    throw new ConfigError(`the ffmpeg shipped with Capstan is not an executable file (${shipped}): reinstall, or set CAPSTAN_FFMPEG_PATH to an ffmpeg executable`);
  }
  return shipped;
}

function bundledFfmpeg(): string {
  try {
    return (createRequire(import.meta.url)('@ffmpeg-installer/ffmpeg') as { path: string }).path;
  } catch (e) {
    // The package throws a plain string for a platform it has no binary for.
    const why = e instanceof Error ? e.message : String(e);
    throw new ConfigError(`no ffmpeg shipped for ${process.platform}-${process.arch} (${why}): set CAPSTAN_FFMPEG_PATH to an ffmpeg executable`);
  }
}
