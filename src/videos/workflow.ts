// The video processing workflow, started when a multipart upload completes: probe → render →
// poster (media-stages.ts: measure the upload, make the rendition every browser plays and its poster,
// then ready and billed in one transaction) → transcribe, which runs the transcription engine when
// there is audio and stores the transcript. Each change of the video, and each stage's progress, is
// reported on the organization's topic in the transaction that makes it. A video deleted before it
// is ready is never billed.
import { join } from 'node:path';
import type { BlobStore } from '../blobs/index.js';
import type { EventPublisher } from '../events/index.js';
import { runTranscription, type Ffmpeg, type Transcriber, type TranscriptionResult } from '../pipelines/videos/index.js';
import type { Repos, Storage, VideoRow } from '../storage/index.js';
import { nowIso } from '../util/time.js';
import { PermanentStageError, type Stage, type StageContext, type Transition, type WorkflowDefinition } from '../workflows/index.js';
import { mediaStages } from './media-stages.js';
import type { StageProgress } from './present.js';
import { appendVideoEvent } from './publish.js';
import { download, inWorkDir } from './work-dir.js';

export const VIDEO_WORKFLOW = 'video';

const UPLOAD_EXTENSIONS: Readonly<Record<string, string>> = { 'video/mp4': '.mp4', 'video/quicktime': '.mov', 'video/webm': '.webm', 'video/x-matroska': '.mkv' };

export interface VideoWorkflowInput {
  readonly video_id: string;
}

export interface VideoWorkflowDeps {
  readonly storage: Storage;
  readonly blobs: BlobStore;
  readonly publisher: EventPublisher;
  readonly transcriber: Transcriber | undefined;
  readonly ffmpeg: Ffmpeg;
  readonly pricePerMinuteMicro: number;
}

/** What the client said in complete: kept for the record, never billed (the server measures). */
export interface ClientValues {
  readonly durationInSecs?: number;
  readonly width?: number;
  readonly height?: number;
  readonly fps?: number;
}

/** The progress a transition gives its stage; undefined for the run's own end. */
function progressOf(t: Transition): StageProgress | undefined {
  switch (t.kind) {
    case 'stage_started':
      return { stage: t.stage, status: 'running' };
    case 'stage_retry':
      return { stage: t.stage, status: 'retrying' };
    case 'stage_completed':
      return { stage: t.stage, status: 'complete' };
    default:
      return undefined;
  }
}

/**
 * Records a stage's progress on the video and reports it, only when it changed: a stage taken over
 * after its worker died starts "running" again without a second event.
 */
async function reportProgress(tx: Repos, publisher: EventPublisher, video: VideoRow, progress: StageProgress, report: boolean): Promise<VideoRow> {
  if (video.processing_stage === progress.stage && video.processing_status === progress.status) return video;
  const patch = { processing_stage: progress.stage, processing_status: progress.status };
  await tx.videos.update(video.id, patch);
  const now = { ...video, ...patch };
  if (report) await appendVideoEvent(tx, publisher, 'video.processing', now);
  return now;
}

const NO_PROGRESS = { processing_stage: null, processing_status: null } as const;

export function videoWorkflow(deps: VideoWorkflowDeps): WorkflowDefinition {
  const { storage, blobs, transcriber } = deps;
  const videoId = (ctx: StageContext) => (ctx.input as VideoWorkflowInput).video_id;
  const load = async (id: string): Promise<VideoRow> => {
    const video = await storage.videos.getById(id);
    if (!video) throw new PermanentStageError('video_missing');
    return video;
  };

  const transcribe: Stage = {
    name: 'transcribe',
    async run(ctx) {
      const video = await load(videoId(ctx));
      if (video.transcription_status !== 'PROCESSING') return { status: video.transcription_status };
      // No engine means one was configured when the video was probed but is not any more (a restart in between).
      const result: TranscriptionResult | { status: 'SKIPPED' } = transcriber
        ? await inWorkDir(async (dir) => {
            // Named as its type says, for hooks that go by the extension.
            const path = join(dir, `upload${UPLOAD_EXTENSIONS[video.content_type] ?? ''}`);
            await download(blobs, video.s3_key, path, ctx.signal);
            return runTranscription(transcriber, { path, videoId: video.id }, ctx.signal);
          })
        : { status: 'SKIPPED' };
      if (ctx.signal.aborted) return undefined;
      // The transcript, the status it gives and its event commit together, once: a retry finds the
      // status settled and stops above.
      await storage.transaction(async (tx) => {
        const now = await tx.videos.getById(video.id);
        if (!now || now.transcription_status !== 'PROCESSING') return;
        const at = nowIso();
        if (transcriber && (result.status === 'COMPLETE' || result.status === 'ERROR')) {
          const complete = result.status === 'COMPLETE' ? result.transcript : undefined;
          await tx.transcripts.save({
            video_id: video.id,
            engine: transcriber.engine,
            text: complete?.text ?? null,
            segments: complete ? JSON.stringify(complete.segments) : null,
            error: result.status === 'ERROR' ? result.reason : null,
            created_at: at,
          });
        }
        const patch = { transcription_status: result.status, updated_at: at };
        await tx.videos.update(video.id, patch);
        if (now.deleted_at === null) await appendVideoEvent(tx, deps.publisher, 'video.transcription', { ...now, ...patch });
      });
      if (result.status === 'ERROR') return { status: result.status, reason: result.reason };
      if (result.status === 'COMPLETE') return { status: result.status, segments: result.transcript.segments.length, chars: result.transcript.text.length };
      return { status: result.status };
    },
  };

  return {
    kind: VIDEO_WORKFLOW,
    stages: [...mediaStages(deps, videoId), transcribe],
    retryRefusal: 'A failed video cannot be retried: its failure is final in the developer API (state failed, video.failed sent); upload it again',
    hooks: {
      async onTransitions(tx, run, transitions) {
        const id = (JSON.parse(run.input) as VideoWorkflowInput).video_id;
        for (const t of transitions) {
          const row = await tx.videos.getById(id);
          if (!row) return;
          // A deleted video's stream has ended with video.deleted; its run settles quietly.
          const report = row.deleted_at === null;
          const progress = progressOf(t);
          const video = progress ? await reportProgress(tx, deps.publisher, row, progress, report) : row;
          if (t.kind === 'stage_started' && t.stage === 'transcribe' && t.first && video.transcription_status === 'PROCESSING') {
            // The hook's start is reported by the worker that runs it, so PROCESSING always precedes its
            // outcome; once per run, also when a shutdown handed the stage back and it starts again.
            if (report) await appendVideoEvent(tx, deps.publisher, 'video.transcription', video);
          } else if (t.kind === 'completed') {
            await tx.videos.update(id, NO_PROGRESS);
          } else if (t.kind === 'failed' && t.stage === 'transcribe') {
            // A transcription that cannot run leaves a playable, billed video: only its status says so.
            const patch = { transcription_status: 'ERROR', updated_at: nowIso(), ...NO_PROGRESS } as const;
            await tx.videos.update(id, patch);
            if (report) await appendVideoEvent(tx, deps.publisher, 'video.transcription', { ...video, ...patch });
          } else if (t.kind === 'failed' || t.kind === 'cancelled') {
            const patch = { state: 'failed', failure_reason: t.kind === 'failed' ? t.error : 'cancelled', updated_at: nowIso(), ...NO_PROGRESS } as const;
            await tx.videos.update(id, patch);
            if (report) await appendVideoEvent(tx, deps.publisher, 'video.failed', { ...video, ...patch });
          }
        }
      },
    },
  };
}
