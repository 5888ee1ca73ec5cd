// The soak's server-side cuts: streams ended by the server itself, as an operator ends them (the
// client gets stream.unauthorized, reason disconnected_by_operator, and the connection closes).
import type { CapstanProcess } from '../../lib/capstan-process.js';
import { within } from '../../lib/within.js';

/** An operator call that has not answered by then is left behind, so the cut rounds and windows keep their pace. */
const ADMIN_CALL_MS = 5_000;

/**
 * Ends `count` hub streams picked at random, as an operator would (DELETE /admin/v1/connections/:id),
 * all at once; returns how many the server acknowledged.
 */
export async function serverCutRound(cap: Pick<CapstanProcess, 'admin'>, count: number, log: (m: string) => void): Promise<number> {
  const list = await within(cap.admin('GET', '/connections?surface=hub&limit=1000'), ADMIN_CALL_MS);
  if (!list) {
    log(`  the connection list did not answer within ${ADMIN_CALL_MS} ms; no operator disconnects this round`);
    return 0;
  }
  const ids = (Array.isArray(list.data) ? list.data : []).map((c: unknown) => (typeof c === 'object' && c !== null ? (c as { id?: unknown }).id : undefined)).filter((id): id is string => typeof id === 'string');
  const picked: string[] = [];
  while (picked.length < count && ids.length > 0) picked.push(...ids.splice(Math.floor(Math.random() * ids.length), 1));
  const answers = await Promise.all(
    picked.map((id) =>
      within(cap.admin('DELETE', `/connections/${id}`), ADMIN_CALL_MS).catch((e: unknown) => {
        // 404: the client cut that stream itself since the list was read.
        const message = e instanceof Error ? e.message : String(e);
        if (!message.includes(': 404 ')) log(`  operator disconnect failed: ${message.slice(0, 200)}`);
        return undefined;
      }),
    ),
  );
  return answers.filter((a) => a !== undefined).length;
}
