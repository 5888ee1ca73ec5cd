// Documents status lookups held back until a test releases them: the socket's messages then queue
// behind the first, so what a client gets while they wait (or after a close) can be checked.
import type { DocumentService } from '../../src/documents/index.js';

export interface HeldLookups {
  /** Lets every lookup, waiting or to come, go on. */
  release(): void;
  /** Puts the service's own lookup back. */
  restore(): void;
}

export function holdStatusLookups(documents: DocumentService): HeldLookups {
  const statuses = documents.statuses.bind(documents);
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  documents.statuses = async (orgId, ids) => {
    await gate;
    return statuses(orgId, ids);
  };
  return {
    release,
    restore: () => {
      documents.statuses = statuses;
    },
  };
}

/** Each reply as `ok` when it answers the request in its place (named by `idOf(i)` in not_found), else its error code. */
export function replyOrder(replies: readonly Record<string, unknown>[], idOf: (i: number) => string): string[] {
  return replies.map((m, i) => {
    if (m.type !== 'subscribed') return String(m.code);
    const answers = (m.not_found as string[])[0];
    return answers === idOf(i) ? 'ok' : `reply ${i} answers ${String(answers)}`;
  });
}
