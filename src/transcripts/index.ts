// Transcripts of developer videos: reading what the transcribe stage stored, in the formats clients take.
export { TranscriptService, type StoredTranscript } from './service.js';
export { toWebVtt, toPlainText, TRANSCRIPT_FORMATS, type TranscriptFormat } from './formats.js';
