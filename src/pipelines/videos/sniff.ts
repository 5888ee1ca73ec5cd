// Which media container a file's first bytes announce. When ffmpeg cannot open a file, this tells a
// recording cut short (a known container's header, then nothing usable) from bytes that never were
// media.

const startsWith = (head: Uint8Array, bytes: readonly number[], at = 0): boolean => bytes.every((b, i) => head[at + i] === b);
const ascii = (head: Uint8Array, from: number, to: number): string => String.fromCharCode(...head.subarray(from, to));

// Box types an ISO-BMFF (MP4, QuickTime) file can open with.
const FIRST_BOXES = new Set(['ftyp', 'moov', 'mdat', 'free', 'skip', 'wide', 'pnot', 'styp', 'moof']);

export type Container = 'iso-bmff' | 'matroska' | 'ogg' | 'avi' | 'mpeg-ts' | 'flv';

/** Bytes of the head `containerOf` looks at. */
export const SNIFF_BYTES = 189;

export function containerOf(head: Uint8Array): Container | undefined {
  if (startsWith(head, [0x1a, 0x45, 0xdf, 0xa3])) return 'matroska';
  if (head.length >= 8 && FIRST_BOXES.has(ascii(head, 4, 8))) return 'iso-bmff';
  if (startsWith(head, [0x4f, 0x67, 0x67, 0x53])) return 'ogg';
  if (startsWith(head, [0x52, 0x49, 0x46, 0x46]) && startsWith(head, [0x41, 0x56, 0x49, 0x20], 8)) return 'avi';
  if (startsWith(head, [0x46, 0x4c, 0x56, 0x01])) return 'flv';
  // A transport stream is 188-byte packets, each opening with the sync byte 0x47.
  if (head.length > 188 && head[0] === 0x47 && head[188] === 0x47) return 'mpeg-ts';
  return undefined;
}
