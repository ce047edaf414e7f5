/**
 * A bounded log: keeps the first and the last `part` bytes of a command's output, line by line,
 * and says how much of the middle it cut. Training logs and demo transcripts use it, so a command
 * that prints gigabytes cannot fill the disk or the report.
 */
export class BoundedLog {
  private head: string[] = [];
  private headBytes = 0;
  private tail: string[] = [];
  private tailBytes = 0;
  private dropped = 0;
  private total = 0;

  constructor(private readonly part: number) {}

  add(line: string): void {
    const bytes = Buffer.byteLength(line) + 1;
    this.total += bytes;
    if (this.headBytes + bytes <= this.part) {
      this.head.push(line);
      this.headBytes += bytes;
      return;
    }
    this.tail.push(line);
    this.tailBytes += bytes;
    while (this.tailBytes > this.part && this.tail.length > 0) {
      const removed = this.tail.shift()!;
      this.tailBytes -= Buffer.byteLength(removed) + 1;
      this.dropped += Buffer.byteLength(removed) + 1;
    }
  }

  get truncated(): boolean {
    return this.dropped > 0;
  }

  /** Bytes seen, counting one newline per line, before anything was cut. */
  get bytes(): number {
    return this.total;
  }

  text(): string {
    const cut = this.truncated ? [`[... ${this.dropped} bytes of log cut by bindery ...]`] : [];
    const lines = [...this.head, ...cut, ...this.tail];
    return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
  }
}
