// The one error type the documents pipeline throws on purpose. Its `reason` is stable so the workflow
// can store it as the document's failure reason; `permanent` tells it whether a retry could help.

export type DocumentFailureReason =
  /** The bytes are not a PDF, PNG, JPEG or TIFF, or not the type the caller said. */
  | 'unsupported_type'
  /** The PDF needs a password. */
  | 'pdf_encrypted'
  /** The PDF is truncated or its structure cannot be parsed. */
  | 'pdf_corrupt'
  /** An uploaded image cannot be decoded, or is too large to be (more pixels than a page may have). */
  | 'image_unreadable'
  /** More pages than the caller allowed. */
  | 'too_many_pages'
  /** Neither the text layer nor OCR found any text; or OCR read only noise (a photo, another script). */
  | 'no_text'
  /**
   * One image took longer than the OCR engine allows (120 s): a page like that (noise, a huge dense
   * scan) would again, so it is not retried.
   */
  | 'ocr_timeout'
  /**
   * Reading the PDF would take more than its limits allow: its streams decode to more bytes, or its
   * pages hold more operators, than a document may (a decompression bomb). It would again.
   */
  | 'pdf_too_complex'
  /** The worker reading it ran out of the memory a worker may use: reading it again would too. */
  | 'out_of_memory'
  /** The OCR engine failed or its worker was lost; the input itself may be fine. */
  | 'ocr_failed';

const TRANSIENT: ReadonlySet<DocumentFailureReason> = new Set(['ocr_failed']);

export class DocumentError extends Error {
  override readonly name = 'DocumentError';
  readonly reason: DocumentFailureReason;
  readonly permanent: boolean;

  constructor(reason: DocumentFailureReason, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.reason = reason;
    this.permanent = !TRANSIENT.has(reason);
  }
}

export function isDocumentError(error: unknown): error is DocumentError {
  return error instanceof DocumentError;
}
