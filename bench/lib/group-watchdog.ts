// Ends the harness's process groups when the harness itself ends without stopping them (kill -9
// runs no exit hook), instead of leaving servers to run out their `timeout` (up to an hour). One
// small bash process per harness reads, on a pipe only the harness holds, the groups to watch; end
// of file means the harness is gone, and it signals every group still listed.
import { spawn, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';

/** SIGTERM first (nginx and Capstan stop cleanly), SIGKILL to any group still there 5 s later. */
const SCRIPT = `
declare -A groups
while read -r op pgid; do
  case "$op" in
    add) groups[$pgid]=1 ;;
    del) unset "groups[$pgid]" ;;
  esac
done
alive=()
for pgid in "\${!groups[@]}"; do kill -TERM -- "-$pgid" 2>/dev/null && alive+=("$pgid"); done
[ \${#alive[@]} -eq 0 ] && exit 0
sleep 5
for pgid in "\${alive[@]}"; do kill -KILL -- "-$pgid" 2>/dev/null; done
exit 0
`;

let watchdog: ChildProcess | undefined;

function send(line: string): void {
  if (!watchdog) {
    // Its own process group, so a Ctrl-C at the terminal reaches the harness, not the watchdog.
    watchdog = spawn('bash', ['-c', SCRIPT], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
    // Neither the process nor its pipe keeps the harness running.
    watchdog.unref();
    (watchdog.stdin as Socket).unref();
    // Gone already (this process is ending): nothing left to tell it.
    watchdog.stdin?.on('error', () => undefined);
  }
  watchdog.stdin?.write(`${line}\n`);
}

/** Ends process group `pgid` if this process ends while the group still runs. */
export function watchGroup(pgid: number): void {
  send(`add ${pgid}`);
}

/** The group has ended: nothing to do for it any more (its number may be reused). */
export function unwatchGroup(pgid: number): void {
  send(`del ${pgid}`);
}
