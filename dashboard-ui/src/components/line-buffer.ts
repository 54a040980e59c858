// The console page's in-page log buffer: the newest `capacity` lines, each with an absolute
// sequence number so that rows, search matches and the scroll position survive older lines being
// dropped. Appends are amortised O(1): dropped lines are cut off in one splice now and then.
import { parseAnsi, stripAnsi, type Segment } from "./ansi";

export interface LogLineJson {
  resource: string;
  replica: string;
  stream: string;
  timestamp: string;
  text: string;
}

export interface ConsoleLine {
  seq: number;
  text: string;
  /** The text without escape sequences (search runs on it). */
  plain: string;
  resource: string;
  replica: string;
  stream: string;
  timestamp: string;
  /** Parsed on first display only: most lines are never on screen. */
  segments?: Segment[];
}

export class LineBuffer {
  private lines: ConsoleLine[] = [];
  private offset = 0; // lines[offset] is the oldest kept line
  private nextSeq = 0;
  /** Lines dropped because the buffer was full, since it was created. */
  dropped = 0;

  constructor(readonly capacity: number) {}

  get length(): number {
    return this.lines.length - this.offset;
  }

  /** Sequence number of the oldest kept line. */
  get firstSeq(): number {
    return this.nextSeq - this.length;
  }

  /** Add lines at the end; returns how many old lines were dropped to make room. */
  append(items: LogLineJson[]): number {
    for (const item of items) {
      this.lines.push({
        seq: this.nextSeq++,
        text: item.text,
        plain: stripAnsi(item.text),
        resource: item.resource,
        replica: item.replica,
        stream: item.stream,
        timestamp: item.timestamp,
      });
    }
    const over = this.length - this.capacity;
    if (over <= 0) return 0;
    this.offset += over;
    this.dropped += over;
    if (this.offset > this.capacity / 4) {
      this.lines.splice(0, this.offset);
      this.offset = 0;
    }
    return over;
  }

  /** The line at position `index` (0 = the oldest kept). */
  at(index: number): ConsoleLine {
    return this.lines[this.offset + index];
  }

  /** Position of sequence number `seq`, or -1 when it was dropped. */
  indexOf(seq: number): number {
    const index = seq - this.firstSeq;
    return index >= 0 && index < this.length ? index : -1;
  }

  segmentsOf(line: ConsoleLine): Segment[] {
    return (line.segments ??= parseAnsi(line.text));
  }

  /** Sequence numbers of the lines from position `from` on whose text contains `needle`
   * (lower case; matching ignores case). */
  search(needle: string, from = 0): number[] {
    const out: number[] = [];
    if (!needle) return out;
    for (let i = this.offset + from; i < this.lines.length; i++) {
      const line = this.lines[i];
      if (line.plain.toLowerCase().includes(needle)) out.push(line.seq);
    }
    return out;
  }

  /** Forget every line (the user cleared the view); sequence numbers go on. */
  clear(): void {
    this.lines = [];
    this.offset = 0;
  }
}
