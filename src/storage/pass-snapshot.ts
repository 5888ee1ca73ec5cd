// SQLite reads outside transactions (the read-only connection of connect.ts) each begin and end a
// read transaction of their own: taking and dropping the WAL read lock (two system calls) and checking
// the schema, about as much as a small query itself costs. Under load a pass of the event loop makes
// many such reads (each request of the pass reads its status); those may share one read transaction,
// which ends with the pass. It is only shared when the pass just before made a few reads: alone, a
// read would pay for the BEGIN and COMMIT and gain nothing.
//
// What a read may see stays what it was:
//  - a statement on the writing connection ends the shared transaction first, so a read after this
//    process committed something (in the same pass or not) sees it;
//  - another process's commit (`capstan admin` beside the server) is seen from the next pass on, as
//    if the reads of this pass had come a moment earlier;
//  - a shared transaction never outlives its pass, so it never holds back a checkpoint.
import type Libsql from 'libsql';

/** Reads in the pass before from which the next pass's reads share a transaction. */
export const SHARE_FROM_READS = 3;

export class PassSnapshot {
  private readonly begin: Libsql.Statement;
  private readonly commit: Libsql.Statement;
  private readonly rollback: Libsql.Statement;
  private open = false;
  private scheduled = false;
  private readsThisPass = 0;
  private readsLastPass = 0;

  constructor(connection: Libsql.Database) {
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

  /** At the end of a pass (the check phase) with reads, and of the pass after it, so that one without reads is counted too. */
  private readonly endPass = (): void => {
    this.end();
    this.readsLastPass = this.readsThisPass;
    this.readsThisPass = 0;
    if (this.readsLastPass > 0) setImmediate(this.endPass);
    else this.scheduled = false;
  };
}
