// The video processing workflow, started when a multipart upload completes: `probe` measures the
// object itself (mp4box), bills the measured duration once in the same transaction that records it,
// and settles transcriptionStatus; `transcribe` runs the configured hook when there is audio. Each
// change of the video is reported on the organization's topic in the transaction that makes it. A
// video deleted before it is measured is never billed.
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { BlobStore } from '../blobs/index.js';
import { debitCredits } from '../billing/index.js';
import type { EventPublisher } from '../events/index.js';
import { isAppError } from '../http/errors.js';
import { probeVideo, ProbeError, runTranscription, transcriptionStatusFor, type ProbeResult, type Transcriber } from '../pipelines/videos/index.js';
import type { Storage, VideoRow } from '../storage/index.js';
import { nowIso } from '../util/time.js';
import { PermanentStageError, type Stage, type StageContext, type WorkflowDefinition } from '../workflows/index.js';
import { appendVideoEvent } from './publish.js';
import { otherVideoContainer, SNIFF_BYTES } from './sniff.js';

export const VIDEO_WORKFLOW = 'video';

export interface VideoWorkflowInput {
  readonly video_id: string;
}

export interface VideoWorkflowDeps {
  readonly storage: Storage;
  readonly blobs: BlobStore;
  readonly publisher: EventPublisher;
  readonly transcriber: Transcriber | undefined;
  readonly pricePerMinuteMicro: number;
}

/** What the client said in complete; used only when the container cannot be probed. */
export interface ClientValues {
  readonly durationInSecs?: number;
  readonly width?: number;
  readonly height?: number;
  readonly fps?: number;
}

interface Measurement {
  readonly duration: number;
  readonly width: number | null;
  readonly height: number | null;
  readonly fps: number | null;
}

/** Pro rata per minute, rounded up to a whole micro-credit. */
export const videoCost = (durationSeconds: number, pricePerMinuteMicro: number): number => Math.ceil((durationSeconds * pricePerMinuteMicro) / 60);

async function readHead(blobs: BlobStore, key: string, size: number): Promise<Buffer> {
  if (size === 0) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  for await (const chunk of await blobs.get(key, { start: 0, end: Math.min(size, SNIFF_BYTES) - 1 })) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function fromProbe(p: ProbeResult): Measurement {
  return { duration: p.durationSeconds, width: p.width, height: p.height, fps: p.fps };
}

function fromClient(client: ClientValues): Measurement | undefined {
  if (client.durationInSecs === undefined) return undefined;
  return { duration: client.durationInSecs, width: client.width ?? null, height: client.height ?? null, fps: client.fps ?? null };
}

export function videoWorkflow(deps: VideoWorkflowDeps): WorkflowDefinition {
  const { storage, blobs, transcriber } = deps;
  const videoId = (ctx: StageContext) => (ctx.input as VideoWorkflowInput).video_id;
  const load = async (id: string): Promise<VideoRow> => {
    const video = await storage.videos.getById(id);
    if (!video) throw new PermanentStageError('video_missing');
    return video;
  };

  const probe: Stage = {
    name: 'probe',
    async run(ctx) {
      const video = await load(videoId(ctx));
      // Measured and billed by an earlier attempt that crashed before recording the stage.
      if (video.cost_micro !== null) return { source: 'earlier_attempt' };
      if (video.deleted_at !== null) throw new PermanentStageError('video_deleted', 'The video was deleted before it was measured');
      const stat = await blobs.stat(video.s3_key);
      if (!stat) throw new PermanentStageError('object_missing', 'The uploaded object is gone');
      const other = otherVideoContainer(await readHead(blobs, video.s3_key, stat.size));
      let probed: ProbeResult | null = null;
      if (other === undefined) {
        try {
          probed = await probeVideo(await blobs.get(video.s3_key), { size: stat.size, signal: ctx.signal });
        } catch (e) {
          if (e instanceof ProbeError) throw new PermanentStageError(e.reason, e.message);
          throw e;
        }
      }
      const client = video.client_values === null ? {} : (JSON.parse(video.client_values) as ClientValues);
      // The server's figures win; the client's only stand in when the container cannot be probed.
      const measured = probed ? fromProbe(probed) : fromClient(client);
      if (!measured) throw new PermanentStageError('unmeasurable', `A ${other ?? 'video'} file cannot be probed, and complete carried no durationInSecs`);
      const cost = videoCost(measured.duration, deps.pricePerMinuteMicro);
      const transcription = transcriptionStatusFor(probed, transcriber);
      await storage.transaction(async (tx) => {
        const patch = { ...measured, cost_micro: cost, transcription_status: transcription, state: 'ready', updated_at: nowIso() } as const;
        // The conditional update takes the row first: a delete racing this measurement either committed
        // before it (nothing is updated, so nothing is billed) or waits for it (measured, then deleted).
        if (!(await tx.videos.updateIf(video.id, { states: ['processing', 'ready'], unbilled: true }, patch))) {
          if ((await tx.videos.getById(video.id))?.deleted_at) throw new PermanentStageError('video_deleted', 'The video was deleted before it was measured');
          return;
        }
        if (cost > 0) {
          try {
            await debitCredits(tx, { orgId: video.org_id, amountMicro: cost, reason: 'video', ref: video.id });
          } catch (e) {
            if (isAppError(e) && e.code === 'payment_required') throw new PermanentStageError('insufficient_credits', `The video costs ${cost} micro-credits`);
            throw e;
          }
        }
        await appendVideoEvent(tx, deps.publisher, 'video.ready', { ...video, ...patch });
      });
      return { source: probed ? 'probe' : 'client', container: probed?.container ?? other, cost_micro: cost };
    },
  };

  const transcribe: Stage = {
    name: 'transcribe',
    async run(ctx) {
      const video = await load(videoId(ctx));
      if (video.transcription_status !== 'PROCESSING') return { status: video.transcription_status };
      if (!transcriber) {
        // The hook was configured when the video was probed but is not any more (a restart in between).
        await storage.videos.update(video.id, { transcription_status: 'SKIPPED', updated_at: nowIso() });
        return { status: 'SKIPPED' };
      }
      const dir = await mkdtemp(join(tmpdir(), 'capstan-video-'));
      try {
        const path = join(dir, video.content_type === 'video/quicktime' ? 'video.mov' : 'video.mp4');
        await pipeline(await blobs.get(video.s3_key), createWriteStream(path));
        const result = await runTranscription(transcriber, { path, videoId: video.id }, ctx.signal);
        if (ctx.signal.aborted) return undefined;
        await storage.transaction(async (tx) => {
          const patch = { transcription_status: result.status, updated_at: nowIso() };
          await tx.videos.update(video.id, patch);
          if (video.deleted_at === null) await appendVideoEvent(tx, deps.publisher, 'video.transcription', { ...video, ...patch });
        });
        return result.status === 'ERROR' ? { status: result.status, reason: result.reason } : { status: result.status };
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };

  return {
    kind: VIDEO_WORKFLOW,
    stages: [probe, transcribe],
    hooks: {
      async onTransitions(tx, run, transitions) {
        const id = (JSON.parse(run.input) as VideoWorkflowInput).video_id;
        for (const t of transitions) {
          const video = await tx.videos.getById(id);
          if (!video) return;
          // A deleted video's stream has ended with video.deleted; its run settles quietly.
          const report = video.deleted_at === null;
          if (t.kind === 'stage_started' && t.stage === 'transcribe' && t.attempt === 1 && video.transcription_status === 'PROCESSING') {
            // The hook's start is reported by the worker that runs it, so PROCESSING always precedes its outcome.
            if (report) await appendVideoEvent(tx, deps.publisher, 'video.transcription', video);
          } else if (t.kind === 'failed' && t.stage === 'transcribe') {
            // A transcription that cannot run leaves a playable, billed video: only its status says so.
            const patch = { transcription_status: 'ERROR', updated_at: nowIso() } as const;
            await tx.videos.update(id, patch);
            if (report) await appendVideoEvent(tx, deps.publisher, 'video.transcription', { ...video, ...patch });
          } else if (t.kind === 'failed' || t.kind === 'cancelled') {
            const patch = { state: 'failed', failure_reason: t.kind === 'failed' ? t.error : 'cancelled', updated_at: nowIso() } as const;
            await tx.videos.update(id, patch);
            if (report) await appendVideoEvent(tx, deps.publisher, 'video.failed', { ...video, ...patch });
          }
        }
      },
    },
  };
}
