// Heartbeats (0-9-1 section 4.2.7): send one when nothing else went out for half the interval,
// and give up on a peer silent for two intervals.
export class Heartbeat {
  private timer: NodeJS.Timeout | null = null;
  private lastReceived = Date.now();
  private sentSinceTick = false;

  constructor(
    private readonly send: () => void,
    /** the peer is gone */
    private readonly dead: (seconds: number) => void,
    /** true while the peer is not being read (its silence then proves nothing) */
    private readonly paused: () => boolean,
  ) {}

  /** Starts with the negotiated interval (0: no heartbeats). */
  start(seconds: number): void {
    if (seconds === 0) return;
    this.timer = setInterval(
      () => {
        if (!this.paused() && Date.now() - this.lastReceived > seconds * 2000) {
          this.stop();
          this.dead(seconds);
          return;
        }
        if (!this.sentSinceTick) this.send();
        this.sentSinceTick = false;
      },
      (seconds * 1000) / 2,
    );
    this.timer.unref();
  }

  received(): void {
    this.lastReceived = Date.now();
  }

  sent(): void {
    this.sentSinceTick = true;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
