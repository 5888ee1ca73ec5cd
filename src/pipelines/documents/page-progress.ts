// Pages done of a document's pages while its text is extracted, counted the same way whether the pages
// run one after another in this thread or spread over the OCR pool.
import type { PageTextLayer } from './extract.js';

/** Pages whose text is known, of all the document's pages. */
export interface PageProgress {
  readonly done: number;
  readonly total: number;
}

export type ProgressListener = (progress: PageProgress) => void;

/**
 * Tells `listener` once the pages that need OCR are known (text-layer pages already count as done),
 * then after each OCR page. Silent for a document that needs no OCR: it is done in one step, with
 * nothing worth following.
 */
export function pageCounter(layers: readonly PageTextLayer[], listener: ProgressListener | undefined): { pageDone(): void } {
  const total = layers.length;
  let done = layers.filter((l) => !l.needsOcr).length;
  const report = done < total ? listener : undefined;
  report?.({ done, total });
  return {
    pageDone() {
      done++;
      report?.({ done, total });
    },
  };
}
