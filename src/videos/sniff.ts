// Containers the MP4/QuickTime prober cannot read but that are video all the same (browser recorders
// write WebM). For these probing is impossible, and the client's values are the fallback.

const startsWith = (head: Uint8Array, bytes: readonly number[], at = 0): boolean => bytes.every((b, i) => head[at + i] === b);

/** The container's name when `head` (the first bytes of a file) is a known non-ISO-BMFF video container. */
export function otherVideoContainer(head: Uint8Array): 'matroska' | 'ogg' | 'avi' | 'mpeg-ts' | undefined {
  if (startsWith(head, [0x1a, 0x45, 0xdf, 0xa3])) return 'matroska';
  if (startsWith(head, [0x4f, 0x67, 0x67, 0x53])) return 'ogg';
  if (startsWith(head, [0x52, 0x49, 0x46, 0x46]) && startsWith(head, [0x41, 0x56, 0x49, 0x20], 8)) return 'avi';
  // A transport stream is 188-byte packets, each opening with the sync byte 0x47.
  if (head.length > 188 && head[0] === 0x47 && head[188] === 0x47) return 'mpeg-ts';
  return undefined;
}

export const SNIFF_BYTES = 189;
