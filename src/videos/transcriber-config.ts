// Turns the CAPSTAN_TRANSCRIBER* options into the video pipeline's transcriber (or none). `auto`
// takes the built-in engine when pocketsphinx and its model are installed, and otherwise says once,
// at start, why videos with audio will be SKIPPED.
import { ConfigError, type Config } from '../config/index.js';
import { createTranscriber, findPocketsphinx, type Ffmpeg, type Transcriber } from '../pipelines/videos/index.js';
import { notExecutable, resolveExecutable } from '../util/executable.js';

export interface TranscriberDeps {
  readonly ffmpeg: Ffmpeg;
  /** Told once, at start, which engine runs or why none does. */
  readonly logger: { info(fields: Record<string, unknown>, message: string): void };
}

function parseArgs(raw: string | null): string[] {
  if (raw === null) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    parsed = undefined;
  }
  if (!Array.isArray(parsed) || !parsed.every((a): a is string => typeof a === 'string')) {
    throw new ConfigError('invalid CAPSTAN_TRANSCRIBER_ARGS: expected a JSON array of strings');
  }
  return parsed;
}

export function transcriberFromConfig(config: Config, deps: TranscriberDeps): Transcriber | undefined {
  switch (config.transcriber) {
    case 'none':
      return undefined;
    case 'auto':
    case 'builtin': {
      const found = findPocketsphinx({ command: config.pocketsphinxPath, modelDir: config.pocketsphinxModelDir });
      if ('missing' in found) {
        const why = `${found.missing}; install them with scripts/install-system-deps.sh`;
        if (config.transcriber === 'builtin') throw new ConfigError(`CAPSTAN_TRANSCRIBER=builtin needs pocketsphinx: ${why}`);
        deps.logger.info({ reason: found.missing }, `built-in transcription is off, videos with audio will be SKIPPED: ${why}`);
        return undefined;
      }
      deps.logger.info({ pocketsphinx: found.command, model: found.modelDir }, 'built-in transcription with pocketsphinx');
      return createTranscriber({ kind: 'builtin', ffmpeg: deps.ffmpeg, pocketsphinx: found, timeoutMs: config.transcriberTimeoutMs });
    }
    case 'command': {
      if (!config.transcriberCommand) throw new ConfigError('CAPSTAN_TRANSCRIBER=command needs CAPSTAN_TRANSCRIBER_COMMAND');
      const command = resolveExecutable(config.transcriberCommand);
      if (command === undefined) throw new ConfigError(`invalid CAPSTAN_TRANSCRIBER_COMMAND: ${notExecutable(config.transcriberCommand)}`);
      return createTranscriber({ kind: 'command', command, args: parseArgs(config.transcriberArgs), timeoutMs: config.transcriberTimeoutMs });
    }
    case 'http':
      if (!config.transcriberUrl) throw new ConfigError('CAPSTAN_TRANSCRIBER=http needs CAPSTAN_TRANSCRIBER_URL');
      return createTranscriber({ kind: 'http', url: config.transcriberUrl, timeoutMs: config.transcriberTimeoutMs });
  }
}
