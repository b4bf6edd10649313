// setTimeout for any delay. Node's timers hold at most 2^31-1 ms (24.8 days): a longer delay
// overflows to 1 ms (with a TimeoutOverflowWarning), which deleted x-expires queues at once and
// spun a 1 ms timer for long message TTLs (issue 10.5). This re-arms in steps of at most that.
export const MAX_TIMER_MS = 2 ** 31 - 1;

export class LongTimeout {
  private timer: NodeJS.Timeout | null = null;
  private readonly due: number;

  /** Calls `fn` once after `ms` (never, when `ms` is not finite); unref'd, as broker timers are. */
  constructor(
    private readonly fn: () => void,
    ms: number,
  ) {
    this.due = Date.now() + ms;
    if (Number.isFinite(ms)) this.arm(ms);
  }

  private arm(ms: number): void {
    this.timer = setTimeout(
      () => {
        const left = this.due - Date.now();
        if (left > 0) return this.arm(left);
        this.timer = null;
        this.fn();
      },
      Math.min(Math.max(0, ms), MAX_TIMER_MS),
    );
    this.timer.unref();
  }

  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
