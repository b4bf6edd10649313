// Memory and disk alarms, as RabbitMQ's vm_memory_high_watermark and disk_free_limit: while one
// is raised, connections that publish are blocked (connection.blocked, and their socket is no
// longer read) until it clears. Nothing is dropped; publishers just wait.
//
// Memory is the memory the broker accounts for (what the server measures: messages held in
// memory and bytes queued for sockets), not the process RSS: RSS does not fall when queues
// drain (the allocator keeps its pages), so an alarm on RSS never clears. The alarm is raised
// above the watermark and cleared only below CLEAR_RATIO of it, so it does not flap.
import { statfsSync } from 'node:fs';
import { totalmem } from 'node:os';
import type { MonitorView } from '../api/read-model.js';

export type Alarm = 'memory' | 'disk';

export interface ResourceLimits {
  /** accounted memory above which publishers are blocked, in bytes */
  memoryHighWatermark: number;
  /** free disk space in the data directory below which publishers are blocked, in bytes */
  diskFreeLimit: number;
}

/** RabbitMQ's defaults: 40 % of RAM, 50 MB of disk. */
export function defaultLimits(): ResourceLimits {
  return { memoryHighWatermark: Math.floor(totalmem() * 0.4), diskFreeLimit: 50_000_000 };
}

const CHECK_INTERVAL_MS = 1000;
/** a raised memory alarm clears once memory is back below this share of the watermark */
export const CLEAR_RATIO = 0.9;

export class ResourceMonitor implements MonitorView {
  readonly alarms = new Set<Alarm>();
  private timer: NodeJS.Timeout | null = null;
  diskFree = 0;
  memoryUsed = 0;
  /** set while the message store cannot write or sync (a full disk, a failed fsync): raises the disk alarm */
  storeFault: string | null = null;

  constructor(
    readonly limits: ResourceLimits,
    private readonly dataDir: string,
    private readonly onChange: (alarms: ReadonlySet<Alarm>) => void,
    /** bytes of memory in use, as the broker accounts for them */
    private readonly measureMemory: () => number,
  ) {}

  start(): void {
    this.check();
    this.timer = setInterval(() => this.check(), CHECK_INTERVAL_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Changes limits at run time (set_vm_memory_high_watermark, set_disk_free_limit) and rechecks. */
  update(limits: Partial<ResourceLimits>): void {
    Object.assign(this.limits, limits);
    this.check();
  }

  check(): void {
    this.memoryUsed = this.measureMemory();
    try {
      const s = statfsSync(this.dataDir);
      this.diskFree = s.bavail * s.bsize;
    } catch {
      this.diskFree = Number.MAX_SAFE_INTEGER;
    }
    const before = [...this.alarms].sort().join();
    const watermark = this.limits.memoryHighWatermark;
    this.set('memory', this.memoryUsed > (this.alarms.has('memory') ? watermark * CLEAR_RATIO : watermark));
    this.set('disk', this.diskFree < this.limits.diskFreeLimit || this.storeFault !== null);
    if ([...this.alarms].sort().join() !== before) this.onChange(this.alarms);
  }

  private set(alarm: Alarm, raised: boolean): void {
    if (raised) this.alarms.add(alarm);
    else this.alarms.delete(alarm);
  }
}
