// Splits an SSE stream into its events, for every server measured: Capstan and the Node baselines
// write `id:`, `event:` and one `data:` line; Nchan writes `id:` and `data:` lines and a `: hi` comment
// first. Follows the EventSource rules that matter here: events end at a blank line (LF or CRLF),
// several data lines join with a newline, one space after the colon is dropped, and comments are
// skipped. A resuming client needs each event's id and name as well, so those are read too.

/** One event of the stream: its fields as the stream gave them (each may be missing). */
export interface SseEvent {
  readonly data: string | undefined;
  readonly id: string | undefined;
  readonly event: string | undefined;
}

export class SseFrames {
  private buffer = '';
  /** Set once a CR is seen: the servers here write LF only, so the common path skips the CRLF search. */
  private crlf = false;

  /** Feeds a chunk of the stream; returns the data of each event it completed (events without data are skipped). */
  push(chunk: string): string[] {
    const out: string[] = [];
    for (const e of this.pushEvents(chunk)) if (e.data !== undefined) out.push(e.data);
    return out;
  }

  /** Feeds a chunk of the stream; returns each event it completed, with or without data. */
  pushEvents(chunk: string): SseEvent[] {
    this.buffer += chunk;
    if (!this.crlf && chunk.includes('\r')) this.crlf = true;
    const out: SseEvent[] = [];
    for (;;) {
      const lf = this.buffer.indexOf('\n\n');
      const crlf = this.crlf ? this.buffer.indexOf('\r\n\r\n') : -1;
      const end = lf >= 0 && (crlf < 0 || lf < crlf) ? lf : crlf;
      if (end < 0) break;
      const frame = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + (end === crlf ? 4 : 2));
      const event = frameFields(frame);
      if (event) out.push(event);
    }
    return out;
  }
}

/** The value of `line` when it is the field `name` (`name:value`, `name: value`, or a bare `name`). */
function field(line: string, name: string): string | undefined {
  if (line === name) return '';
  if (!line.startsWith(name) || line.charCodeAt(name.length) !== 58) return undefined;
  return line.slice(line.charCodeAt(name.length + 1) === 32 ? name.length + 2 : name.length + 1);
}

/** A frame's fields; undefined for a frame of comments (or `retry:`) alone. */
function frameFields(frame: string): SseEvent | undefined {
  let data: string | undefined;
  let id: string | undefined;
  let event: string | undefined;
  let from = 0;
  while (from <= frame.length) {
    let to = frame.indexOf('\n', from);
    if (to < 0) to = frame.length;
    const line = frame.charCodeAt(to - 1) === 13 ? frame.slice(from, to - 1) : frame.slice(from, to);
    from = to + 1;
    const value = field(line, 'data');
    if (value !== undefined) {
      data = data === undefined ? value : `${data}\n${value}`;
      continue;
    }
    id = field(line, 'id') ?? id;
    event = field(line, 'event') ?? event;
  }
  return data === undefined && id === undefined && event === undefined ? undefined : { data, id, event };
}
