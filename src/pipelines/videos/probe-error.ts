// The one error a probe raises about the file itself. I/O failures (a missing path, a stream that
// errors) are not probe errors and propagate unchanged.

/**
 * - `not_a_video`: the bytes are not an MP4/QuickTime file, or its boxes are corrupt.
 * - `unsupported`: a well-formed ISO-BMFF file without a playable video track (audio only, an
 *   image, no samples) or with metadata too large to hold.
 * - `truncated`: the file ends before its movie header, or its samples point past the end.
 */
export type ProbeErrorReason = 'not_a_video' | 'unsupported' | 'truncated';

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
