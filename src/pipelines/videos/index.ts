// The video pipeline's pure stages: probe an uploaded file, then settle its transcription status.
export { probeVideo, PROBE_DEFAULTS, type ProbeOptions, type ProbeResult } from './probe.js';
export { ProbeError, type ProbeErrorReason } from './probe-error.js';
export {
  runTranscription,
  transcriptionStatusFor,
  type Transcriber,
  type TranscriptionInput,
  type TranscriptionResult,
  type TranscriptionStatus,
} from './transcriber.js';
export {
  commandTranscriber,
  COMMAND_TRANSCRIBER_DEFAULTS,
  type CommandTranscriberOptions,
} from './command-transcriber.js';
export { httpTranscriber, HTTP_TRANSCRIBER_DEFAULTS, type HttpTranscriberOptions } from './http-transcriber.js';
export { createTranscriber, type TranscriberConfig } from './create-transcriber.js';
