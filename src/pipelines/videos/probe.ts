// Measures an uploaded video with ffmpeg: the server's own duration, display size, frame rate and
// audio presence, which billing trusts over anything the client claims. WebM/Matroska (VP8, VP9,
// AV1, Opus, Vorbis), MP4 and QuickTime (H.264, HEVC, AAC, VP9) and the other containers ffmpeg reads.
import { lastComplaint, QUIET, runFfmpeg, type Ffmpeg } from './ffmpeg.js';
import { PacketListing, parseInputDump, roundRate, type InputStream } from './ffmpeg-output.js';
import { ProbeError } from './probe-error.js';
import { containerOf, sniffFile } from '../../util/sniff.js';

export interface ProbeResult {
  /** The container ffmpeg read: mp4, mov, matroska (WebM included), avi, ogg… */
  container: string;
  /**
   * Seconds from the first packet to the end of the last, read from the packets themselves: a
   * MediaRecorder WebM declares no duration, and a file cut short plays only what it holds.
   */
  durationSeconds: number;
  /** Display size in pixels: the coded size, swapped when the picture is turned a quarter. */
  width: number;
  height: number;
  /** Nominal frame rate, or null for a single frame. */
  fps: number | null;
  hasAudio: boolean;
  video: { codec: string; profile?: string; pixelFormat?: string };
  audio?: { codec: string };
}

// Demuxers of containers that hold video. Image demuxers (a JPEG is a one-frame "video" to ffmpeg)
// and raw streams without timestamps are left out on purpose.
const VIDEO_CONTAINERS = new Set(['matroska', 'webm', 'mov', 'mp4', 'avi', 'mpegts', 'ogg', 'flv', 'asf', 'mpeg', 'mxf']);

/** Throws ProbeError for what the file is; other errors (ffmpeg missing, timeout, abort) pass through. */
export async function probeVideo(ffmpeg: Ffmpeg, path: string, signal: AbortSignal): Promise<ProbeResult> {
  const listing = new PacketListing();
  // One demuxing pass over the whole file, copying packets to a listing: no decoding, so it runs at
  // the speed of reading the file.
  const scan = await runFfmpeg(ffmpeg, {
    args: [...QUIET, '-i', path, '-map', '0:V?', '-map', '0:a?', '-c', 'copy', '-f', 'framecrc', '-'],
    signal,
    onLine: (line) => listing.add(line),
  });
  const dump = parseInputDump(scan.head);
  if (!dump) {
    const container = containerOf(await sniffFile(path));
    if (container) throw new ProbeError('truncated', `a ${container} file ffmpeg cannot open: ${lastComplaint(scan)}`);
    throw new ProbeError('not_a_video', `not a media file: ${lastComplaint(scan)}`);
  }
  const video = dump.streams.find((s) => s.kind === 'video' && !s.attachedPicture);
  const hasAudio = dump.streams.some((s) => s.kind === 'audio');
  if (!dump.formats.some((f) => VIDEO_CONTAINERS.has(f))) {
    // Sound in a container for sound alone (MP3, WAV, FLAC, AAC) is media without a video track all
    // the same; an image (a one-frame "video" to ffmpeg) or anything else is no video at all.
    if (hasAudio && !video) throw new ProbeError('unsupported', `audio only: ${dump.formats.join(',')} holds no video track`);
    throw new ProbeError('not_a_video', `${dump.formats.join(',')} is not a video container`);
  }
  if (!video) throw new ProbeError('unsupported', hasAudio ? 'audio only: the file has no video track' : 'the file has no video track');
  const audio = dump.streams.find((s) => s.kind === 'audio');

  const times = listing.streams();
  const videoTimes = times.find((t) => t.kind === 'video');
  if (!videoTimes) throw new ProbeError('truncated', `the file ends before its first video frame${scan.code === 0 ? '' : `: ${lastComplaint(scan)}`}`);
  const decoded = await decodeFirstFrame(ffmpeg, path, signal);

  const durationSeconds = Math.round(Math.max(...times.map((t) => t.end)) * 1000) / 1000;
  const [width, height] = displaySize(video, decoded);
  const fps = videoTimes.fps ?? (video.fps === undefined ? null : roundRate(video.fps));
  return {
    container: containerName(dump.formats, dump.majorBrand),
    durationSeconds: Math.max(0, durationSeconds),
    width,
    height,
    fps,
    hasAudio: times.some((t) => t.kind === 'audio'),
    video: {
      codec: video.codec,
      ...(video.profile === undefined ? {} : { profile: video.profile }),
      ...(video.pixelFormat === undefined ? {} : { pixelFormat: video.pixelFormat }),
    },
    ...(audio === undefined ? {} : { audio: { codec: audio.codec } }),
  };
}

/**
 * Packets can be well-formed and still hold nothing a decoder accepts: one frame must decode. Its
 * size is the fallback for a container that does not state one.
 */
async function decodeFirstFrame(ffmpeg: Ffmpeg, path: string, signal: AbortSignal): Promise<{ width: number; height: number } | undefined> {
  let frames = 0;
  let size: { width: number; height: number } | undefined;
  const run = await runFfmpeg(ffmpeg, {
    args: [...QUIET, '-threads', String(ffmpeg.threads), '-i', path, '-map', '0:V:0', '-frames:v', '1', '-f', 'framecrc', '-'],
    signal,
    onLine: (line) => {
      const dimensions = /^#dimensions 0: (\d+)x(\d+)/.exec(line);
      if (dimensions) size = { width: Number(dimensions[1]), height: Number(dimensions[2]) };
      else if (/^\d+,/.test(line)) frames++;
    },
  });
  if (frames === 0) throw new ProbeError('undecodable', `no video frame decodes: ${lastComplaint(run)}`);
  return size;
}

function displaySize(video: InputStream, decoded: { width: number; height: number } | undefined): [number, number] {
  const width = video.width ?? decoded?.width ?? 0;
  const height = video.height ?? decoded?.height ?? 0;
  return video.rotation % 180 === 90 ? [height, width] : [width, height];
}

function containerName(formats: readonly string[], majorBrand: string | undefined): string {
  if (formats.includes('mov')) return majorBrand?.trim() === 'qt' ? 'mov' : 'mp4';
  return formats[0] ?? 'unknown';
}
