// Answers finished in one pass of the event loop's I/O go out together, right after it (the check
// phase), the way the realtime fan-out writes once per turn. Written one by one as each finishes,
// every answer wakes its client as it lands, and a client that drained the previous answer has gone
// back to waiting: each wake-up costs the server a system call's worth of scheduler work (on a VM, a
// call to the hypervisor). Written back to back, the first wakes the client and the others find it
// awake. An answer waits at most for the rest of the pass that produced it; alone, it goes out at once.
// Answers leave before the pass's fan-out writes (util/end-of-pass.ts).
import { atEndOfPass } from '../util/end-of-pass.js';
import type { Logger } from './logger.js';

export class AnswerBatch {
  private pending: (() => void)[] = [];

  constructor(private readonly logger: Logger) {}

  /** Runs `send` after the current pass of I/O callbacks, with every other answer of that pass, in order. */
  defer(send: () => void): void {
    if (this.pending.push(send) === 1) atEndOfPass('answers', this.flush);
  }

  private readonly flush = (): void => {
    const sends = this.pending;
    this.pending = [];
    for (const send of sends) {
      // One answer failing to go out must not keep the others from theirs.
      try {
        send();
      } catch (e) {
        this.logger.error({ err: e }, 'sending an answer failed');
      }
    }
  };
}
