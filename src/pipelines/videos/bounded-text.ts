// Keeps at most a given number of bytes of a hook's output (its start, or for error messages its
// end); the rest is read and dropped so the producer never blocks on a full pipe.

export class BoundedText {
  private chunks: Buffer[] = [];
  private kept = 0;
  truncated = false;

  constructor(
    private readonly limit: number,
    private readonly keep: 'head' | 'tail' = 'head',
  ) {}

  add(chunk: Buffer): void {
    if (this.keep === 'tail') {
      this.chunks.push(chunk);
      this.kept += chunk.length;
      if (this.kept > 2 * this.limit) this.compact();
      return;
    }
    const room = this.limit - this.kept;
    if (chunk.length > room) this.truncated = true;
    if (room <= 0) return;
    const part = chunk.subarray(0, room);
    this.chunks.push(part);
    this.kept += part.length;
  }

  /** The text kept, without a character cut in half at the limit. */
  text(): string {
    if (this.keep === 'tail') this.compact();
    const text = Buffer.concat(this.chunks).toString('utf8');
    if (!this.truncated) return text;
    return this.keep === 'tail' ? text.replace(/^\uFFFD+/, '') : text.replace(/\uFFFD+$/, '');
  }

  private compact(): void {
    const bytes = Buffer.concat(this.chunks);
    if (bytes.length > this.limit) this.truncated = true;
    const tail = bytes.subarray(Math.max(0, bytes.length - this.limit));
    this.chunks = [tail];
    this.kept = tail.length;
  }
}
