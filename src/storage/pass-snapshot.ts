// SQLite reads outside transactions (the read-only connection of connect.ts) each begin and end a
// read transaction of their own: taking and dropping the WAL read lock (two system calls) and checking
// the schema, about as much as a small query itself costs. Under load each pass of the event loop makes
// many such reads (each request of the pass reads its status); those share one read transaction. It
// is only begun when the pass just before made a few reads: alone, a read would pay for the BEGIN and
// COMMIT and gain nothing. While the passes stay that busy it may span them, up to SHARE_FOR_MS: ended
// after every pass, it cost a BEGIN and a COMMIT for every four reads or so at 8 requests in flight.
//
// What a read may see stays what it was:
//  - a statement on the writing connection ends the shared transaction first, so a read after this
//    process committed something (in the same pass or not) sees it;
//  - another process's commit (`capstan admin` beside the server) is seen once the shared transaction
//    ends: at the end of the first pass with fewer than SHARE_FROM_READS reads (none, when the loop
//    goes quiet), or of the first pass after SHARE_FOR_MS, as if the reads in between had come that
//    much earlier;
//  - so a shared transaction never outlives a quiet moment of the event loop, nor SHARE_FOR_MS and a
//    pass, and never holds back a checkpoint for longer.
import type Libsql from 'libsql';

/** Reads in the pass before from which the next pass's reads share a transaction (and keep sharing it). */
export const SHARE_FROM_READS = 3;
/** How long a shared transaction may span busy passes; the end of the first pass after it ends it. */
export const SHARE_FOR_MS = 5;

export class PassSnapshot {
  private readonly begin: Libsql.Statement;
  private readonly commit: Libsql.Statement;
  private readonly rollback: Libsql.Statement;
  private open = false;
  private openedAt = 0;
  private scheduled = false;
  private readsThisPass = 0;
  private readsLastPass = 0;

  constructor(
    connection: Libsql.Database,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.begin = connection.prepare('begin');
    this.commit = connection.prepare('commit');
    this.rollback = connection.prepare('rollback');
  }

  /** Before each read on the read-only connection. */
  beforeRead(): void {
    this.readsThisPass++;
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.endPass);
    }
    if (this.open || this.readsLastPass < SHARE_FROM_READS) return;
    try {
      this.begin.run();
      this.open = true;
      this.openedAt = this.now();
    } catch {
      // The read runs in a transaction of its own, as without sharing.
    }
  }

  /** Ends the shared transaction, if one is open: before any statement on the writing connection, and at close. */
  end(): void {
    if (!this.open) return;
    this.open = false;
    try {
      this.commit.run();
    } catch {
      // A read transaction has nothing to commit, so this does not happen; if it did, the transaction
      // must still end, or the next reads would see this pass's data.
      try {
        this.rollback.run();
      } catch {
        // Closed: nothing is left open.
      }
    }
  }

  /**
   * At the end of a pass (the check phase) with reads, and of the pass after it, so that one without
   * reads is counted too (and ends the shared transaction: the loop never waits for I/O with one open).
   */
  private readonly endPass = (): void => {
    if (this.readsThisPass < SHARE_FROM_READS || this.now() - this.openedAt >= SHARE_FOR_MS) this.end();
    this.readsLastPass = this.readsThisPass;
    this.readsThisPass = 0;
    if (this.readsLastPass > 0) setImmediate(this.endPass);
    else this.scheduled = false;
  };
}
