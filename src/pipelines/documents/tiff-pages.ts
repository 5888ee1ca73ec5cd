// The pages of a TIFF. A multi-page TIFF (a fax, a sheet feeder's scan) is a chain of image
// directories (IFDs); the OCR engine reads only the first. A page is handed to it as a copy of the file
// whose header points at that page's directory, with the directory's link to the next one cut: every
// offset in a TIFF is from the start of the file, so nothing else has to move and nothing is decoded
// here. Reduced-resolution directories (thumbnails, NewSubfileType bit 0) are no pages. A chain that
// breaks (an offset outside the file, a loop) ends at the last whole directory; a file whose first
// directory cannot be read is one page, for the OCR engine to judge.

/** More directories than any document may have pages; walking stops there (the page limit refuses it). */
const MAX_DIRECTORIES = 100_000;
const NEW_SUBFILE_TYPE = 254;

interface Layout {
  readonly little: boolean;
  /** Offsets of the page directories, in file order. */
  readonly pages: readonly number[];
}

function layoutOf(bytes: Uint8Array): Layout | undefined {
  if (bytes.length < 8) return undefined;
  const little = bytes[0] === 0x49 && bytes[1] === 0x49;
  if (!little && !(bytes[0] === 0x4d && bytes[1] === 0x4d)) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // Classic TIFF only (42); a BigTIFF (43) has 8-byte offsets and stays one page.
  if (view.getUint16(2, little) !== 42) return undefined;
  const pages: number[] = [];
  const seen = new Set<number>();
  let offset = view.getUint32(4, little);
  while (offset !== 0 && seen.size < MAX_DIRECTORIES) {
    if (seen.has(offset) || offset < 8 || offset + 2 > bytes.length) break;
    const count = view.getUint16(offset, little);
    const next = offset + 2 + count * 12;
    if (next + 4 > bytes.length) break;
    seen.add(offset);
    if (!isReducedImage(view, offset, count, little)) pages.push(offset);
    offset = view.getUint32(next, little);
  }
  return { little, pages };
}

/** True when the directory's NewSubfileType marks a reduced-resolution copy of another image. */
function isReducedImage(view: DataView, offset: number, count: number, little: boolean): boolean {
  for (let i = 0; i < count; i++) {
    const entry = offset + 2 + i * 12;
    if (view.getUint16(entry, little) !== NEW_SUBFILE_TYPE) continue;
    const type = view.getUint16(entry + 2, little);
    // LONG (4) as the spec says; SHORT (3) as some writers do.
    const value = type === 3 ? view.getUint16(entry + 8, little) : view.getUint32(entry + 8, little);
    return (value & 1) === 1;
  }
  return false;
}

/** How many pages the TIFF holds: at least one. */
export function tiffPageCount(bytes: Uint8Array): number {
  return Math.max(1, layoutOf(bytes)?.pages.length ?? 1);
}

/** Page `index` (0-based) as a TIFF of its own whose first and only directory is that page's. */
export function tiffPage(bytes: Uint8Array, index: number): Uint8Array {
  const layout = layoutOf(bytes);
  const at = layout?.pages[index];
  if (!layout || at === undefined) {
    if (index === 0) return bytes;
    throw new RangeError(`the TIFF has no page ${index + 1}`);
  }
  const page = Uint8Array.from(bytes);
  const view = new DataView(page.buffer);
  view.setUint32(4, at, layout.little);
  view.setUint32(at + 2 + view.getUint16(at, layout.little) * 12, 0, layout.little);
  return page;
}
