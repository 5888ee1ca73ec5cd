// The media stages of the video workflow, each with ffmpeg on a local copy: `probe` measures the
// upload, `render` stores the rendition every browser plays, `poster` stores a frame and makes the
// video ready — measurement, rendition, poster and the bill for the measured duration commit in
// one transaction with video.ready. A deleted video goes no further and is never billed.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { BlobStore } from '../blobs/index.js';
import { debitCredits } from '../billing/index.js';
import type { EventPublisher } from '../events/index.js';
import { isAppError } from '../http/errors.js';
import {
  FfmpegTimeoutError,
  posterTime,
  probeVideo,
  ProbeError,
  RenderError,
  renderPlayable,
  takePoster,
  transcriptionStatusFor,
  type Ffmpeg,
  type ProbeResult,
  type Transcriber,
} from '../pipelines/videos/index.js';
import type { Storage, VideoRow } from '../storage/index.js';
import { nowIso } from '../util/time.js';
import { PermanentStageError, type Stage, type StageContext } from '../workflows/index.js';
import { posterKey, renditionKey } from './keys.js';
import { videoCost } from './pricing.js';
import { appendVideoEvent } from './publish.js';
import { download, inWorkDir } from './work-dir.js';

interface MediaStageDeps {
  readonly storage: Storage;
  readonly blobs: BlobStore;
  readonly publisher: EventPublisher;
  readonly transcriber: Transcriber | undefined;
  readonly ffmpeg: Ffmpeg;
  readonly pricePerMinuteMicro: number;
}

/** What `probe` hands on to the later stages: the measurement and what it will cost. */
interface ProbeOutput extends ProbeResult {
  readonly cost_micro: number;
}

/** Pro rata per minute, rounded up to a whole micro-credit. */

const deletedError = () => new PermanentStageError('video_deleted', 'The video was deleted while it was processed');

/** How often a running stage looks whether its video was deleted, to stop ffmpeg rather than finish for nothing. */
const DELETION_CHECK_MS = 500;

/** ffmpeg's verdicts on the file are final; a run that timed out would time out again. */
async function media<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    if (e instanceof ProbeError || e instanceof RenderError) throw new PermanentStageError(e.reason, e.message);
    if (e instanceof FfmpegTimeoutError) throw new PermanentStageError('processing_timeout', e.message);
    throw e;
  }
}

export function mediaStages(deps: MediaStageDeps, videoId: (ctx: StageContext) => string): Stage[] {
  const { storage, blobs, ffmpeg } = deps;
  const live = async (ctx: StageContext): Promise<VideoRow> => {
    const video = await storage.videos.getById(videoId(ctx));
    if (!video) throw new PermanentStageError('video_missing');
    if (video.deleted_at !== null) throw deletedError();
    return video;
  };
  /** Runs `work` with a signal that also aborts, failing the stage with video_deleted, once the video is deleted. */
  const whileLive = async <T>(id: string, ctx: StageContext, work: (signal: AbortSignal) => Promise<T>): Promise<T> => {
    const deleted = new AbortController();
    const timer = setInterval(() => {
      storage.videos.getById(id).then(
        (v) => {
          if (!v || v.deleted_at !== null) deleted.abort(deletedError());
        },
        // A failed look is no news; the next one or the stage's own end settles it.
        () => undefined,
      );
    }, DELETION_CHECK_MS);
    try {
      return await work(AbortSignal.any([ctx.signal, deleted.signal]));
    } catch (e) {
      if (deleted.signal.aborted && !ctx.signal.aborted) throw deleted.signal.reason;
      throw e;
    } finally {
      clearInterval(timer);
    }
  };
  const measured = (ctx: StageContext): ProbeOutput => {
    const output = ctx.outputs.get('probe') as ProbeOutput | undefined;
    if (!output) throw new PermanentStageError('probe_missing');
    return output;
  };

  const probe: Stage = {
    name: 'probe',
    async run(ctx) {
      const video = await live(ctx);
      const result = await whileLive(video.id, ctx, (signal) =>
        inWorkDir(async (dir) => {
          const input = join(dir, 'upload');
          await download(blobs, video.s3_key, input, signal);
          return media(() => probeVideo(ffmpeg, input, signal));
        }),
      );
      const cost = videoCost(result.durationSeconds, deps.pricePerMinuteMicro);
      // Checked now so that a video nobody can pay for is not rendered; the debit comes with ready.
      const org = await storage.orgs.get(video.org_id);
      if (!org || org.credits_micro < cost) throw new PermanentStageError('insufficient_credits', `The video costs ${cost} micro-credits`);
      return { ...result, cost_micro: cost } satisfies ProbeOutput;
    },
  };

  const render: Stage = {
    name: 'render',
    async run(ctx) {
      const video = await live(ctx);
      if (video.rendition_key !== null) return { source: 'earlier_attempt' };
      // Made ready without a rendition by an older version of this workflow: it plays its upload.
      if (video.state !== 'processing') return { source: 'superseded' };
      const probed = measured(ctx);
      const key = renditionKey(video.app_id, video.id);
      const started = Date.now();
      const rendition = await whileLive(video.id, ctx, (signal) =>
        inWorkDir(async (dir) => {
          const input = join(dir, 'upload');
          const output = join(dir, 'play.mp4');
          await download(blobs, video.s3_key, input, signal);
          const made = await media(() => renderPlayable(ffmpeg, probed, input, output, signal));
          await blobs.put(key, createReadStream(output), { contentType: 'video/mp4', contentLength: made.bytes });
          return made;
        }),
      );
      // Recorded at once, so the cleanup sees the object as the video's even if `poster` waits long.
      if (!(await storage.videos.updateIf(video.id, { states: ['processing'] }, { rendition_key: key }))) {
        await blobs.delete(key);
        if ((await storage.videos.getById(video.id))?.deleted_at) throw deletedError();
        return { source: 'superseded' };
      }
      return { ...rendition, ms: Date.now() - started };
    },
  };

  const poster: Stage = {
    name: 'poster',
    async run(ctx) {
      const video = await live(ctx);
      // Made ready by an earlier attempt that crashed before recording the stage.
      if (video.cost_micro !== null) return { source: 'earlier_attempt' };
      const probed = measured(ctx);
      if (video.rendition_key === null) throw new PermanentStageError('rendition_missing');
      const rendition = video.rendition_key;
      const key = posterKey(video.app_id, video.id);
      const taken = await whileLive(video.id, ctx, (signal) =>
        inWorkDir(async (dir) => {
          const input = join(dir, 'play.mp4');
          const output = join(dir, 'poster.jpg');
          await download(blobs, rendition, input, signal);
          if (!(await media(() => takePoster(ffmpeg, input, output, posterTime(probed.durationSeconds), signal)))) return false;
          await blobs.put(key, createReadStream(output), { contentType: 'image/jpeg', contentLength: (await stat(output)).size });
          return true;
        }),
      );
      const patch = {
        duration: probed.durationSeconds,
        width: probed.width,
        height: probed.height,
        fps: probed.fps,
        cost_micro: probed.cost_micro,
        poster_key: taken ? key : null,
        transcription_status: transcriptionStatusFor(probed, deps.transcriber),
        state: 'ready',
        updated_at: nowIso(),
      } as const;
      await storage.transaction(async (tx) => {
        // The conditional update takes the row first: a delete racing this either committed before it
        // (nothing is updated, so nothing is billed) or waits for it (ready, then deleted).
        if (!(await tx.videos.updateIf(video.id, { states: ['processing'], unbilled: true }, patch))) {
          if ((await tx.videos.getById(video.id))?.deleted_at) throw deletedError();
          return;
        }
        if (patch.cost_micro > 0) {
          try {
            await debitCredits(tx, { orgId: video.org_id, amountMicro: patch.cost_micro, reason: 'video', ref: video.id });
          } catch (e) {
            if (isAppError(e) && e.code === 'payment_required') throw new PermanentStageError('insufficient_credits', `The video costs ${patch.cost_micro} micro-credits`);
            throw e;
          }
        }
        await appendVideoEvent(tx, deps.publisher, 'video.ready', { ...video, ...patch });
      });
      return { poster: taken, cost_micro: patch.cost_micro };
    },
  };

  return [probe, render, poster];
}
