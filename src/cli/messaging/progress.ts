// A one-line progress bar on stderr for publish --count/--lines, shown only on a terminal.
import type { OutStream } from '../io.js';

export class Progress {
  private last = 0;
  /** the broker blocked the connection (connection.blocked): shown instead of a stale rate */
  blocked: string | null = null;
  private readonly started = Date.now();

  constructor(
    private readonly stream: OutStream,
    private readonly total: number | undefined,
    readonly enabled: boolean,
  ) {}

  update(done: number, force = false): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (!force && now - this.last < 100) return;
    this.last = now;
    this.stream.write(`\r${this.render(done, now)}\x1b[K`);
  }

  finish(done: number): void {
    if (!this.enabled) return;
    this.stream.write(`\r${this.render(done, Date.now())}\x1b[K\n`);
  }

  render(done: number, now: number): string {
    const secs = Math.max((now - this.started) / 1000, 0.001);
    const rate = this.blocked !== null ? `blocked (${this.blocked}), 0` : Math.round(done / secs).toLocaleString('en-US');
    if (this.total === undefined || this.total <= 0) return `${done.toLocaleString('en-US')} messages  ${rate} msg/s`;
    const width = 30;
    const fraction = Math.min(done / this.total, 1);
    const filled = Math.round(fraction * width);
    return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.floor(fraction * 100)}%  ${done}/${this.total}  ${rate} msg/s`;
  }
}
