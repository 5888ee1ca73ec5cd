// Makes the rendition every browser plays: H.264 video and AAC audio in an MP4 whose index (moov)
// comes first, so a player starts and seeks over Range requests at once. Streams already in those
// codecs are copied; the others are encoded. The duration is the packets' own, so a MediaRecorder
// WebM (which declares none) comes out seekable.
import { stat } from 'node:fs/promises';
import { lastComplaint, QUIET, runFfmpeg, type Ffmpeg } from './ffmpeg.js';
import type { ProbeResult } from './probe.js';

export interface RenditionPlan {
  readonly video: 'copy' | 'encode';
  readonly audio: 'copy' | 'encode' | 'none';
}

export interface Rendition extends RenditionPlan {
  readonly encoder?: string;
  readonly bytes: number;
}

/** The encoder could not run or wrote nothing usable; the message says why. */
export class RenderError extends Error {
  override readonly name = 'RenderError';
  constructor(
    readonly reason: 'no_h264_encoder' | 'render_failed',
    message: string,
  ) {
    super(message);
  }
}

// 8-bit 4:2:0 is what every browser's H.264 decoder takes; High 10 or 4:4:4 are H.264 too, but not
// playable everywhere.
const BROWSER_PIXEL_FORMATS = new Set(['yuv420p', 'yuvj420p']);

export function planRendition(probe: Pick<ProbeResult, 'video' | 'audio' | 'hasAudio'>): RenditionPlan {
  const pixelFormat = probe.video.pixelFormat;
  const video = probe.video.codec === 'h264' && pixelFormat !== undefined && BROWSER_PIXEL_FORMATS.has(pixelFormat) ? 'copy' : 'encode';
  const audio = !probe.hasAudio ? 'none' : probe.audio?.codec === 'aac' ? 'copy' : 'encode';
  return { video, audio };
}

/** Software H.264 encoders by preference, with the options that make each give a sensible file. */
const H264_ENCODERS: readonly { name: string; args: readonly string[] }[] = [
  { name: 'libx264', args: ['-preset', 'veryfast', '-crf', '23', '-profile:v', 'high'] },
  { name: 'libopenh264', args: ['-b:v', '4M', '-profile:v', 'high'] },
];

/** The best H.264 encoder of those `ffmpeg -encoders` listed, or undefined. */
export function chooseH264Encoder(encoders: ReadonlySet<string>): (typeof H264_ENCODERS)[number] | undefined {
  return H264_ENCODERS.find((e) => encoders.has(e.name));
}

/** The names in `ffmpeg -encoders` output (` V..... libx264   libx264 H.264 …`). */
export function parseEncoderList(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    const m = /^ [VAS][F.][S.][X.][B.][D.] (\S+)/.exec(line);
    if (m?.[1] && m[1] !== '=') names.add(m[1]);
  }
  return names;
}

const encoderLists = new Map<string, Promise<Set<string>>>();

/** What this ffmpeg can encode, asked once per binary. */
function listEncoders(ffmpeg: Ffmpeg, signal: AbortSignal): Promise<Set<string>> {
  let list = encoderLists.get(ffmpeg.path);
  if (!list) {
    const lines: string[] = [];
    list = runFfmpeg(ffmpeg, { args: ['-hide_banner', '-encoders'], signal, onLine: (line) => lines.push(line) }).then(() => parseEncoderList(lines.join('\n')));
    encoderLists.set(ffmpeg.path, list);
    list.catch(() => encoderLists.delete(ffmpeg.path));
  }
  return list;
}

export async function renderPlayable(ffmpeg: Ffmpeg, probe: ProbeResult, input: string, output: string, signal: AbortSignal): Promise<Rendition> {
  const plan = planRendition(probe);
  const threads = String(ffmpeg.threads);
  let encoder: (typeof H264_ENCODERS)[number] | undefined;
  if (plan.video === 'encode') {
    encoder = chooseH264Encoder(await listEncoders(ffmpeg, signal));
    if (!encoder) throw new RenderError('no_h264_encoder', `${ffmpeg.path} has no H.264 encoder (${H264_ENCODERS.map((e) => e.name).join(', ')})`);
  }
  const video = encoder
    ? [
        '-c:v', encoder.name, ...encoder.args, '-pix_fmt', 'yuv420p',
        // 4:2:0 wants even sides; a recorder's window can be any size.
        '-vf', 'scale=trunc(iw/2)*2:trunc(ih/2)*2',
        // A recorder's timestamps are irregular: keep them, rather than filling a constant rate.
        '-vsync', 'vfr',
        '-threads', threads,
      ]
    : ['-c:v', 'copy'];
  const audio = plan.audio === 'none' ? ['-an'] : plan.audio === 'copy' ? ['-c:a', 'copy'] : ['-c:a', 'aac', '-b:a', '128k'];
  const run = await runFfmpeg(ffmpeg, {
    args: [
      ...QUIET, '-y', '-threads', threads, '-i', input,
      '-map', '0:V:0', ...(plan.audio === 'none' ? [] : ['-map', '0:a:0']),
      ...video, ...audio, '-sn', '-dn',
      '-max_muxing_queue_size', '4096',
      '-movflags', '+faststart', '-f', 'mp4', output,
    ],
    signal,
  });
  const bytes = await stat(output).then((s) => s.size, () => 0);
  if (run.code !== 0 || bytes === 0) throw new RenderError('render_failed', `ffmpeg exited with ${run.code ?? 'a signal'}: ${lastComplaint(run)}`);
  return { ...plan, ...(encoder ? { encoder: encoder.name } : {}), bytes };
}
