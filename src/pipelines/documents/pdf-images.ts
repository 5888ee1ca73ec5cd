// Pulls the pictures a page paints, decoded by pdf.js and turned upright, so a scanned page can be
// OCR'd without rendering it (rendering would need a native canvas). A scanned page is one big
// image, or a few strips of one; logos and icons are too small to be worth OCR and are skipped.
import { ImageKind, OPS } from 'pdfjs-dist/legacy/build/pdf.mjs';
import type { PDFPageProxy } from 'pdfjs-dist/legacy/build/pdf.mjs';
import type { RawImage } from './encode-png.js';
import { shrink } from './resample.js';

type Matrix = readonly [number, number, number, number, number, number];

interface DecodedImage {
  readonly width: number;
  readonly height: number;
  readonly kind?: number;
  readonly data?: Uint8Array | Uint8ClampedArray | null;
}

/** Images covering less of the page than this are decoration, not content. */
const MIN_PAGE_FRACTION = 0.05;
const MIN_SIDE_PIXELS = 32;
/**
 * Tesseract reads 300 dpi text as well as 600 dpi text, in a quarter of the time: finer scans are
 * shrunk by an integer factor, never enlarged.
 */
const OCR_DPI = 300;
/** pdf.js resolves image objects asynchronously; one that never arrives must not hang the page. */
const RESOLVE_TIMEOUT_MS = 30_000;
const IDENTITY: Matrix = [1, 0, 0, 1, 0, 0];

const multiply = (m: Matrix, n: Matrix): Matrix => [
  m[0] * n[0] + m[2] * n[1],
  m[1] * n[0] + m[3] * n[1],
  m[0] * n[2] + m[2] * n[3],
  m[1] * n[2] + m[3] * n[3],
  m[0] * n[4] + m[2] * n[5] + m[4],
  m[1] * n[4] + m[3] * n[5] + m[5],
];

function asMatrix(value: unknown): Matrix | undefined {
  return Array.isArray(value) && value.length === 6 && value.every((v) => typeof v === 'number')
    ? (value as unknown as Matrix)
    : undefined;
}

function isDecodedImage(value: unknown): value is DecodedImage {
  return typeof value === 'object' && value !== null && 'width' in value && 'height' in value;
}

export async function pageImages(page: PDFPageProxy): Promise<RawImage[]> {
  const viewport = page.getViewport({ scale: 1 });
  const pageArea = viewport.width * viewport.height;
  const { fnArray, argsArray } = await page.getOperatorList();

  // The viewport transform maps PDF space to upright display space (y down, /Rotate applied).
  let ctm = asMatrix(viewport.transform) ?? ([1, 0, 0, -1, 0, viewport.height] as Matrix);
  const stack: Matrix[] = [];
  const images: RawImage[] = [];

  for (let i = 0; i < fnArray.length; i++) {
    const op = fnArray[i];
    const args: unknown[] = argsArray[i] ?? [];
    if (op === OPS.save) stack.push(ctm);
    else if (op === OPS.restore) ctm = stack.pop() ?? ctm;
    else if (op === OPS.transform) ctm = multiply(ctm, asMatrix(args) ?? IDENTITY);
    else if (op === OPS.paintFormXObjectBegin) {
      stack.push(ctm);
      ctm = multiply(ctm, asMatrix(args[0]) ?? IDENTITY);
    } else if (op === OPS.paintFormXObjectEnd) ctm = stack.pop() ?? ctm;
    else if (op === OPS.paintImageXObject || op === OPS.paintImageMaskXObject || op === OPS.paintInlineImageXObject) {
      const shownArea = Math.abs(ctm[0] * ctm[3] - ctm[1] * ctm[2]);
      if (shownArea < MIN_PAGE_FRACTION * pageArea) continue;
      const decoded = await resolveImage(page, args[0]);
      if (!decoded || decoded.width < MIN_SIDE_PIXELS || decoded.height < MIN_SIDE_PIXELS) continue;
      const gray = toGray(decoded, op === OPS.paintImageMaskXObject);
      if (gray) images.push(atOcrResolution(upright(gray, ctm), ctm));
    }
  }
  return images;
}

/** Image arguments are either the decoded image or the id of an object pdf.js resolves asynchronously. */
async function resolveImage(page: PDFPageProxy, arg: unknown): Promise<DecodedImage | undefined> {
  const nested = typeof arg === 'object' && arg !== null && 'data' in arg ? arg.data : undefined;
  const ref = typeof nested === 'string' ? nested : arg;
  if (typeof ref !== 'string') return isDecodedImage(ref) ? ref : undefined;
  const store = ref.startsWith('g_') ? page.commonObjs : page.objs;
  let timer: NodeJS.Timeout | undefined;
  const value: unknown = await new Promise((resolve) => {
    timer = setTimeout(resolve, RESOLVE_TIMEOUT_MS, undefined);
    store.get(ref, resolve);
  });
  clearTimeout(timer);
  return isDecodedImage(value) ? value : undefined;
}

/** One 8-bit gray channel is all OCR needs, and it keeps the PNG handed to tesseract small. */
function toGray(image: DecodedImage, isMask: boolean): RawImage | undefined {
  const { width, height, data } = image;
  if (!data) return undefined;
  const pixels = new Uint8Array(width * height);
  // 1-bit images and stencil masks: a set bit is white (unpainted), as pdf.js delivers them.
  if (isMask || image.kind === ImageKind.GRAYSCALE_1BPP) {
    const rowBytes = (width + 7) >> 3;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const bit = ((data[y * rowBytes + (x >> 3)] ?? 0) >> (7 - (x & 7))) & 1;
        pixels[y * width + x] = bit ? 255 : 0;
      }
    }
    return { width, height, channels: 1, pixels };
  }
  const channels = image.kind === ImageKind.RGBA_32BPP ? 4 : image.kind === ImageKind.RGB_24BPP ? 3 : 0;
  if (channels === 0 || data.length < width * height * channels) return undefined;
  for (let p = 0, s = 0; p < pixels.length; p++, s += channels) {
    const luma = (299 * data[s]! + 587 * data[s + 1]! + 114 * data[s + 2]!) / 1000;
    // Transparent pixels show the white page beneath.
    const alpha = channels === 4 ? data[s + 3]! / 255 : 1;
    pixels[p] = Math.round(luma * alpha + 255 * (1 - alpha));
  }
  return { width, height, channels: 1, pixels };
}

/**
 * Images are stored in their own orientation and placed by the transform; a scan filed sideways or
 * mirrored is turned so its rows run left to right, top to bottom on the displayed page, which is
 * what OCR expects. Only quarter turns and flips are handled; skewed placements are used as stored.
 */
function upright(image: RawImage, ctm: Matrix): RawImage {
  const { width, height, pixels } = image;
  // In display space, sample columns advance along (a, b); sample rows advance along -(c, d)
  // because image row 0 is at the top of the unit square (v = 1).
  const columnsHorizontal = Math.abs(ctm[0]) >= Math.abs(ctm[1]);
  const colSign = Math.sign(columnsHorizontal ? ctm[0] : ctm[1]) || 1;
  const rowSign = Math.sign(columnsHorizontal ? -ctm[3] : -ctm[2]) || 1;
  if (columnsHorizontal && colSign > 0 && rowSign > 0) return image;

  const outWidth = columnsHorizontal ? width : height;
  const outHeight = columnsHorizontal ? height : width;
  const out = new Uint8Array(pixels.length);
  for (let Y = 0; Y < outHeight; Y++) {
    for (let X = 0; X < outWidth; X++) {
      const along = columnsHorizontal ? X : Y;
      const across = columnsHorizontal ? Y : X;
      const col = colSign > 0 ? along : width - 1 - along;
      const row = rowSign > 0 ? across : height - 1 - across;
      out[Y * outWidth + X] = pixels[row * width + col] ?? 255;
    }
  }
  return { width: outWidth, height: outHeight, channels: 1, pixels: out };
}

/** The scan's resolution as placed on the page (points are 1/72 in), reduced by box-averaging. */
function atOcrResolution(image: RawImage, ctm: Matrix): RawImage {
  const shownWidthInches = Math.hypot(ctm[0], ctm[1]) / 72;
  const shownHeightInches = Math.hypot(ctm[2], ctm[3]) / 72;
  const longSide = Math.max(image.width, image.height);
  const longShown = Math.max(shownWidthInches, shownHeightInches);
  const factor = longShown > 0 ? Math.floor(longSide / longShown / OCR_DPI) : 1;
  return shrink(image, factor);
}
