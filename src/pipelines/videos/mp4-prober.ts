// Feeds an MP4/QuickTime byte stream to mp4box piece by piece and turns its movie header into a
// ProbeResult. Where the bytes come from (a file read at offsets, a stream) is probe.ts's business.
import { createFile, Log, MP4BoxBuffer, type ISOFile, type Movie, type Track } from 'mp4box';
import { ProbeError } from './probe-error.js';
import { TopLevelBoxes } from './top-level-boxes.js';

export interface ProbeResult {
  container: 'mp4' | 'mov';
  /** Movie duration in seconds, to the millisecond. */
  durationSeconds: number;
  /** Display size in pixels: the track header's size, swapped when the matrix turns it a quarter. */
  width: number;
  height: number;
  /** Nominal frame rate (median frame duration): whole when within 0.01 of one, else two decimals (29.97). */
  fps: number;
  hasAudio: boolean;
  /** RFC 6381 codec strings, as a browser's `canPlayType` takes them: `avc1.42c01e`, `mp4a.40.2`. */
  videoCodec?: string;
  audioCodec?: string;
}

type Trak = NonNullable<ISOFile['moov']>['traks'][number];

export class Mp4Prober {
  private readonly file: ISOFile = createFile();
  private readonly boxes = new TopLevelBoxes();
  private movie: Movie | undefined;
  private corrupt: string | undefined;
  private lastComplaint: string | undefined;
  private metadataBytes = 0;

  constructor(private readonly maxMetadataBytes: number) {
    this.file.onReady = (movie) => {
      this.movie = movie;
    };
  }

  /**
   * True once more bytes would not change the result: the movie header is parsed and the file is
   * not fragmented (a fragmented file's samples, hence its duration, live in later `moof` boxes).
   */
  get done(): boolean {
    return this.movie !== undefined && !this.movie.isFragmented;
  }

  /**
   * Takes the bytes at `fileStart`, which must be the position this last returned (0 at first),
   * and returns the position wanted next. That may lie ahead of the bytes given: media data is
   * jumped over, whether it comes before the moov or between fragments.
   */
  push(bytes: Uint8Array, fileStart: number): number {
    const { keep, wanted } = this.boxes.split(bytes, fileStart);
    for (const range of keep) this.parse(bytes.subarray(range.start - fileStart, range.end - fileStart), range.start);
    return wanted;
  }

  /** The result, once the input has ended or `done` is true. `totalSize` enables the truncation check. */
  finish(totalSize: number | undefined): ProbeResult {
    if (!this.boxes.started) throw new ProbeError('not_a_video', 'too short to be a video');
    this.quietly(() => this.file.flush());
    if (this.movie === undefined) {
      if (totalSize !== undefined && this.boxes.endsInsideBox(totalSize)) {
        throw new ProbeError('truncated', 'the file ends before its movie header (moov) is complete');
      }
      throw new ProbeError('unsupported', `no movie header (moov) box${this.detail()}`);
    }
    // Fragmented files add samples as their moofs arrive, so read the description again now.
    const movie = this.quietly(() => this.file.getInfo());
    const traks = this.file.moov?.traks ?? [];
    if (totalSize !== undefined) {
      const end = Math.max(0, ...traks.map(sampleDataEnd));
      if (end > totalSize) {
        throw new ProbeError('truncated', `samples reach byte ${end} but the file has ${totalSize} bytes`);
      }
    }
    return summarize(movie, traks, this.file.ftyp?.major_brand);
  }

  private parse(bytes: Uint8Array, fileStart: number): void {
    if (this.movie === undefined) {
      this.metadataBytes += bytes.byteLength;
      if (this.metadataBytes > this.maxMetadataBytes) {
        throw new ProbeError('unsupported', `movie header larger than ${this.maxMetadataBytes} bytes`);
      }
    }
    const buffer = new MP4BoxBuffer(bytes.byteLength);
    new Uint8Array(buffer).set(bytes);
    buffer.fileStart = fileStart;
    // mp4box's own "next position" is ignored: TopLevelBoxes decides what to read.
    this.quietly(() => this.file.appendBuffer(buffer));
    if (this.corrupt !== undefined) throw new ProbeError('not_a_video', `corrupt ISO-BMFF data: ${this.corrupt}`);
  }

  private detail(): string {
    return this.lastComplaint === undefined ? '' : ` (${this.lastComplaint})`;
  }

  // mp4box prints box-level complaints with console.error and offers no way to silence them (a
  // QuickTime audio entry alone draws one). Its parsing is synchronous, so swapping its logger for
  // the length of one call keeps them out of the server's output without touching anyone else.
  private quietly<T>(parse: () => T): T {
    const original = Log.error;
    Log.error = (module: string, msg?: string, isofile?: ISOFile) => {
      this.lastComplaint = `${module}: ${msg ?? ''}`;
      // Only complaints tied to the file (a top-level box that cannot be parsed) are fatal.
      if (isofile === this.file) this.corrupt = this.lastComplaint;
    };
    try {
      return parse();
    } catch (err) {
      throw new ProbeError('not_a_video', `unreadable ISO-BMFF data: ${(err as Error).message}`, { cause: err });
    } finally {
      Log.error = original;
    }
  }
}

function summarize(movie: Movie, traks: readonly Trak[], majorBrand: string | undefined): ProbeResult {
  const video = movie.videoTracks.find((t) => t.nb_samples > 0);
  if (video === undefined) {
    const why = movie.videoTracks.length === 0 ? 'no video track' : 'the video track has no samples';
    throw new ProbeError('unsupported', why);
  }
  const audio = movie.audioTracks.find((t) => t.nb_samples > 0);
  const durationSeconds = movieDuration(movie);
  if (!(durationSeconds > 0)) throw new ProbeError('unsupported', 'the movie has no duration');
  const trak = traks.find((t) => t.tkhd.track_id === video.id);
  const [width, height] = displaySize(video);
  const result: ProbeResult = {
    container: majorBrand === 'qt  ' ? 'mov' : 'mp4',
    durationSeconds: Math.round(durationSeconds * 1000) / 1000,
    width,
    height,
    fps: roundFps(trak === undefined ? 0 : frameRate(trak, video)),
    hasAudio: audio !== undefined,
  };
  if (video.codec) result.videoCodec = video.codec;
  if (audio?.codec) result.audioCodec = audio.codec;
  return result;
}

function movieDuration(movie: Movie): number {
  const declared = movie.timescale > 0 ? movie.duration / movie.timescale : 0;
  if (!movie.isFragmented) return declared;
  // mehd's duration when present, else the longest track's samples read so far (mp4box's rule).
  const fragments = movie.fragment_duration;
  const fragmented = fragments && fragments.den > 0 ? fragments.num / fragments.den : 0;
  return Math.max(declared, fragmented);
}

// The nominal rate: the median frame duration. Averages mislead: a variable-rate screen recording
// holds still frames for long, and muxers stretch a first or last frame (ffmpeg's fragmenter does).
function frameRate(trak: Trak, video: Track): number {
  const durations = Float64Array.from(trak.samples, (s) => s.duration).sort();
  const median = durations[durations.length >> 1] ?? 0;
  if (median > 0) return video.timescale / median;
  return video.samples_duration > 0 ? (video.nb_samples * video.timescale) / video.samples_duration : 0;
}

function roundFps(fps: number): number {
  if (!Number.isFinite(fps) || fps <= 0) return 0;
  const whole = Math.round(fps);
  return Math.abs(fps - whole) <= 0.01 ? whole : Math.round(fps * 100) / 100;
}

/** Width and height as a player shows them: the track header's size, turned by its matrix. */
function displaySize(video: Pick<Track, 'track_width' | 'track_height' | 'video' | 'matrix'>): [number, number] {
  const width = Math.round(video.track_width || video.video?.width || 0);
  const height = Math.round(video.track_height || video.video?.height || 0);
  // The matrix is { a, b, u, c, d, v, x, y, w }; a quarter turn moves the weight from a to b.
  // `| 0` reads the 16.16 values as signed whichever array type mp4box used.
  const a = Math.abs((video.matrix[0] ?? 0) | 0);
  const b = Math.abs((video.matrix[1] ?? 0) | 0);
  return b > a ? [height, width] : [width, height];
}

function sampleDataEnd(trak: Trak): number {
  let end = 0;
  for (const sample of trak.samples) end = Math.max(end, sample.offset + sample.size);
  return end;
}
