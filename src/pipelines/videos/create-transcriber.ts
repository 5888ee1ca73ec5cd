// Picks the transcriber from configuration: none, the built-in engine, the command hook or the HTTP hook.
import { builtinTranscriber, type BuiltinTranscriberOptions } from './builtin-transcriber.js';
import { commandTranscriber, type CommandTranscriberOptions } from './command-transcriber.js';
import { httpTranscriber, type HttpTranscriberOptions } from './http-transcriber.js';
import type { Transcriber } from './transcriber.js';

export type TranscriberConfig =
  | { kind: 'none' }
  | ({ kind: 'builtin' } & BuiltinTranscriberOptions)
  | ({ kind: 'command' } & CommandTranscriberOptions)
  | ({ kind: 'http' } & HttpTranscriberOptions);

/** `undefined` when none is configured, which makes every video with audio SKIPPED. */
export function createTranscriber(config: TranscriberConfig | undefined): Transcriber | undefined {
  switch (config?.kind) {
    case undefined:
    case 'none':
      return undefined;
    case 'builtin':
      return builtinTranscriber(config);
    case 'command':
      return commandTranscriber(config);
    case 'http':
      return httpTranscriber(config);
  }
}
