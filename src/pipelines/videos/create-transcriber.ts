// Picks the transcriber from configuration: none, the command hook or the HTTP hook.
import { commandTranscriber, type CommandTranscriberOptions } from './command-transcriber.js';
import { httpTranscriber, type HttpTranscriberOptions } from './http-transcriber.js';
import type { Transcriber } from './transcriber.js';

export type TranscriberConfig =
  | { kind: 'none' }
  | ({ kind: 'command' } & CommandTranscriberOptions)
  | ({ kind: 'http' } & HttpTranscriberOptions);

/** `undefined` when none is configured, which makes every video with audio SKIPPED. */
export function createTranscriber(config: TranscriberConfig | undefined): Transcriber | undefined {
  switch (config?.kind) {
    case undefined:
    case 'none':
      return undefined;
    case 'command':
      return commandTranscriber(config);
    case 'http':
      return httpTranscriber(config);
  }
}
