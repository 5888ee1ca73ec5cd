// The video pipeline's steps, each on local files with ffmpeg: measure an upload, make the rendition
// every browser plays and its poster image, then settle its transcription status.
export { runFfmpeg, FfmpegTimeoutError, type Ffmpeg } from './ffmpeg.js';
export { probeVideo, type ProbeResult } from './probe.js';
export { ProbeError, type ProbeErrorReason } from './probe-error.js';
export { renderPlayable, planRendition, chooseH264Encoder, parseEncoderList, RenderError } from './render.js';
export { takePoster, posterTime } from './poster.js';
export { parseInputDump, PacketListing } from './ffmpeg-output.js';
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
export { builtinTranscriber, BUILTIN_TRANSCRIBER_DEFAULTS, type BuiltinTranscriberOptions } from './builtin-transcriber.js';
export { findPocketsphinx, POCKETSPHINX_DEFAULTS, type PocketsphinxInstall } from './pocketsphinx.js';
export { readTranscript, cuesFromWords, CUE_LIMITS, TranscriptFormatError, type Transcript, type TranscriptSegment, type TimedWord, type CueLimits } from './transcript.js';
export { createTranscriber, type TranscriberConfig } from './create-transcriber.js';
