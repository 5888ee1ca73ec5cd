// Turns the CAPSTAN_FFMPEG_* options into the ffmpeg the video pipeline runs: the operator's, or the
// static binary shipped inside the @ffmpeg-installer npm package for this platform.
import { createRequire } from 'node:module';
import { ConfigError, type Config } from '../config/index.js';
import type { Ffmpeg } from '../pipelines/videos/index.js';

export function ffmpegFromConfig(config: Config): Ffmpeg {
  return { path: config.ffmpegPath ?? bundledFfmpeg(), threads: config.ffmpegThreads, timeoutMs: config.ffmpegTimeoutSeconds * 1000 };
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
