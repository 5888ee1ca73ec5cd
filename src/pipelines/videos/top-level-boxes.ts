// Walks the top-level boxes of an MP4/QuickTime stream by their headers alone, to tell which bytes
// the parser needs: all of them but media data (`mdat` payloads), which can run to gigabytes.
import { ProbeError } from './probe-error.js';

// Box types a real file can open with: `ftyp` for ISO-BMFF, the others for legacy QuickTime.
const FIRST_BOX_TYPES = new Set(['ftyp', 'moov', 'mdat', 'free', 'skip', 'wide', 'pnot', 'uuid']);

export interface ByteRange {
  start: number;
  end: number;
}

export class TopLevelBoxes {
  private boxStart = 0;
  private readonly header = new Uint8Array(16);
  private headerFilled = 0;
  private mediaEnd = 0;
  private boxes = 0;

  /**
   * Splits bytes at `start` (the position last wanted) into the ranges worth parsing, and gives
   * the position wanted next: past the end of any media data these bytes lead into.
   */
  split(bytes: Uint8Array, start: number): { keep: ByteRange[]; wanted: number } {
    const end = start + bytes.byteLength;
    const keep: ByteRange[] = [];
    let pos = start;
    let runStart = -1;
    while (pos < end) {
      if (pos < this.mediaEnd) {
        if (runStart >= 0) keep.push({ start: runStart, end: pos });
        runStart = -1;
        pos = Math.min(end, this.mediaEnd);
        continue;
      }
      if (runStart < 0) runStart = pos;
      if (pos < this.boxStart) {
        pos = Math.min(end, this.boxStart);
        continue;
      }
      const take = Math.min(end - pos, this.headerLength() - this.headerFilled);
      this.header.set(bytes.subarray(pos - start, pos - start + take), this.headerFilled);
      this.headerFilled += take;
      pos += take;
      if (this.headerFilled === this.headerLength()) this.enterBox();
    }
    if (runStart >= 0) keep.push({ start: runStart, end });
    return { keep, wanted: Math.max(end, this.mediaEnd) };
  }

  /** Whether input of `totalSize` bytes stops inside a box rather than between two. */
  endsInsideBox(totalSize: number): boolean {
    return this.headerFilled > 0 || this.boxStart > totalSize || this.mediaEnd > totalSize;
  }

  /** Whether the first box's header was complete and plausible. */
  get started(): boolean {
    return this.boxes > 0;
  }

  private headerLength(): number {
    // A 32-bit size of 1 means a 64-bit size follows the type.
    return this.headerFilled >= 4 && this.view().getUint32(0) === 1 ? 16 : 8;
  }

  private enterBox(): void {
    const view = this.view();
    const size32 = view.getUint32(0);
    const type = String.fromCharCode(...this.header.subarray(4, 8));
    const size = size32 === 1 ? Number(view.getBigUint64(8)) : size32;
    if (this.boxes === 0 && (!FIRST_BOX_TYPES.has(type) || (size !== 0 && size < this.headerLength()))) {
      throw new ProbeError('not_a_video', 'not an MP4 or QuickTime file');
    }
    this.boxes++;
    const boxEnd = size === 0 ? Infinity : this.boxStart + size;
    if (type === 'mdat' && size !== 0) this.mediaEnd = boxEnd;
    // A size that cannot be right ends the walk: everything after is parsed, mp4box judges it.
    this.boxStart = size !== 0 && size < this.headerLength() ? Infinity : boxEnd;
    this.headerFilled = 0;
  }

  private view(): DataView {
    return new DataView(this.header.buffer);
  }
}
