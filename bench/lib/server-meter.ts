// What a server under test costs over a phase: CPU time (user and system apart), write system calls
// and resident memory, summed over its whole process tree (nginx's master and workers; a Node server
// is one process), from /proc.
import { processTree, processUsage, writeSyscalls } from './processes.js';
import { wallClockMs } from './clock.js';

interface Sample {
  readonly userSec: number;
  readonly sysSec: number;
  readonly writes: number | undefined;
}

export interface ServerCost {
  readonly userSec: number;
  readonly sysSec: number;
  /** Write system calls (syscw); undefined when /proc/<pid>/io was not readable. */
  readonly writes: number | undefined;
  /** Wall-clock seconds the phase lasted. */
  readonly seconds: number;
  /** Processes in the tree at the end of the phase. */
  readonly processes: number;
}

function snapshot(rootPid: number): Map<number, Sample> {
  const out = new Map<number, Sample>();
  for (const pid of processTree(rootPid)) {
    const usage = processUsage(pid);
    if (usage) out.set(pid, { userSec: usage.userSec, sysSec: usage.sysSec, writes: writeSyscalls(pid) });
  }
  return out;
}

/** Starts measuring the tree under `rootPid`; the returned function gives the cost so far. */
export function serverMeter(rootPid: number | undefined): () => ServerCost {
  const before = rootPid === undefined ? new Map<number, Sample>() : snapshot(rootPid);
  const t0 = wallClockMs();
  return () => {
    const after = rootPid === undefined ? new Map<number, Sample>() : snapshot(rootPid);
    let userSec = 0;
    let sysSec = 0;
    let writes: number | undefined = after.size ? 0 : undefined;
    // A process that started during the phase counts from zero; one that ended is lost (none do here).
    for (const [pid, a] of after) {
      const b = before.get(pid);
      userSec += a.userSec - (b?.userSec ?? 0);
      sysSec += a.sysSec - (b?.sysSec ?? 0);
      writes = writes === undefined || a.writes === undefined ? undefined : writes + a.writes - (b?.writes ?? 0);
    }
    return { userSec, sysSec, writes, seconds: (wallClockMs() - t0) / 1000, processes: after.size };
  };
}

/** Resident memory of the whole tree, in bytes. */
export function treeRssBytes(rootPid: number | undefined): number {
  if (rootPid === undefined) return 0;
  return processTree(rootPid).reduce((sum, pid) => sum + (processUsage(pid)?.rssBytes ?? 0), 0);
}
