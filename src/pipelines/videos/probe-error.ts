// The one error a probe raises about the file itself. I/O failures (a missing path, ffmpeg that
// cannot start, a timeout) are not probe errors and propagate unchanged.

/**
 * - `not_a_video`: the bytes are no media container ffmpeg knows (text, an image, garbage).
 * - `unsupported`: a media file without a video track (audio only, a cover image alone).
 * - `truncated`: a media container that ends before its first frame (a header, a cut file).
 * - `undecodable`: the video track's frames cannot be decoded (no decoder for the codec, corrupt data).
 */
export type ProbeErrorReason = 'not_a_video' | 'unsupported' | 'truncated' | 'undecodable';

export class ProbeError extends Error {
  override readonly name = 'ProbeError';

  constructor(
    readonly reason: ProbeErrorReason,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
