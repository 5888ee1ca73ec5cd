// Turns the CAPSTAN_TRANSCRIBER* options into the video pipeline's transcriber (or none).
import { ConfigError, type Config } from '../config/index.js';
import { createTranscriber, type Transcriber } from '../pipelines/videos/index.js';

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

export function transcriberFromConfig(config: Config): Transcriber | undefined {
  switch (config.transcriber) {
    case 'none':
      return undefined;
    case 'command':
      if (!config.transcriberCommand) throw new ConfigError('CAPSTAN_TRANSCRIBER=command needs CAPSTAN_TRANSCRIBER_COMMAND');
      return createTranscriber({ kind: 'command', command: config.transcriberCommand, args: parseArgs(config.transcriberArgs), timeoutMs: config.transcriberTimeoutMs });
    case 'http':
      if (!config.transcriberUrl) throw new ConfigError('CAPSTAN_TRANSCRIBER=http needs CAPSTAN_TRANSCRIBER_URL');
      return createTranscriber({ kind: 'http', url: config.transcriberUrl, timeoutMs: config.transcriberTimeoutMs });
  }
}
