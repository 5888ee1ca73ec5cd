// Splits an SSE stream into the data of each event, for every server measured: Capstan and the Node
// baselines write `id:`, `event:` and one `data:` line; Nchan writes `id:` and `data:` lines and a
// `: hi` comment first. Follows the EventSource rules that matter here: events end at a blank line
// (LF or CRLF), several data lines join with a newline, one space after the colon is dropped, and
// comments and events without data are skipped.
export class SseFrames {
  private buffer = '';
  /** Set once a CR is seen: the servers here write LF only, so the common path skips the CRLF search. */
  private crlf = false;

  /** Feeds a chunk of the stream; returns the data of each event it completed. */
  push(chunk: string): string[] {
    this.buffer += chunk;
    if (!this.crlf && chunk.includes('\r')) this.crlf = true;
    const out: string[] = [];
    for (;;) {
      const lf = this.buffer.indexOf('\n\n');
      const crlf = this.crlf ? this.buffer.indexOf('\r\n\r\n') : -1;
      const end = lf >= 0 && (crlf < 0 || lf < crlf) ? lf : crlf;
      if (end < 0) break;
      const frame = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + (end === crlf ? 4 : 2));
      const data = frameData(frame);
      if (data !== undefined) out.push(data);
    }
    return out;
  }
}

function frameData(frame: string): string | undefined {
  let data: string | undefined;
  let from = 0;
  while (from <= frame.length) {
    let to = frame.indexOf('\n', from);
    if (to < 0) to = frame.length;
    const line = frame.charCodeAt(to - 1) === 13 ? frame.slice(from, to - 1) : frame.slice(from, to);
    from = to + 1;
    let value: string | undefined;
    if (line === 'data') value = '';
    else if (line.startsWith('data:')) value = line.slice(line.charCodeAt(5) === 32 ? 6 : 5);
    if (value !== undefined) data = data === undefined ? value : `${data}\n${value}`;
  }
  return data;
}
