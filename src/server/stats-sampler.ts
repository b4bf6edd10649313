// Samples the message counters (src/broker/message-stats.ts) and queue depths on a timer, as
// RabbitMQ's management agent does every collect_statistics_interval: rates come from the last
// two samples, and a ring of samples per object keeps about ten minutes of history for charts
// (the msg_rates_age / msg_rates_incr query parameters). Closed channels and connections keep
// counting towards their vhost and the node: their last counter values are folded in when they go.
import { CHANNEL_FIELDS, ChannelCounters, EXCHANGE_FIELDS, QUEUE_FIELDS, addChannelCounters } from '../broker/message-stats.js';
import type { Exchange } from '../broker/exchange.js';
import { Series, type MessageRates } from '../broker/stats-series.js';
import type { Queue } from '../broker/queue.js';
import type { Connection } from './connection.js';
import type { WarrenServer } from './server.js';

export const DEFAULT_STATS_INTERVAL_MS = 5000;
/** RabbitMQ's basic retention keeps 605 s of 5 s samples; so does warren (at any interval, capped). */
const HISTORY_MS = 605_000;
const MAX_SAMPLES = 1210;

const DEPTH_FIELDS = ['messages', 'messages_ready', 'messages_unacknowledged'] as const;
/** node, vhost: the channel counters then the queue depths */
export const TOTAL_FIELDS = [...CHANNEL_FIELDS, ...DEPTH_FIELDS] as const;
export const CONNECTION_FIELDS = [...CHANNEL_FIELDS, 'recv_oct', 'send_oct'] as const;
export const QUEUE_SERIES_FIELDS = [...QUEUE_FIELDS, ...DEPTH_FIELDS] as const;
export { CHANNEL_FIELDS, EXCHANGE_FIELDS, Series };

function allZero(values: ArrayLike<number>): boolean {
  for (let i = 0; i < values.length; i++) if (values[i] !== 0) return false;
  return true;
}

export class StatsSampler implements MessageRates {
  readonly capacity: number;
  /** time of the newest sample */
  lastSample = 0;
  private timer: NodeJS.Timeout | null = null;
  private series = new Map<object, Series>();
  /** the node's and each vhost's series, by vhost name ('' = node) */
  private totals = new Map<string, Series>();
  /** counters of closed channels, per vhost name */
  private readonly retired = new Map<string, ChannelCounters>();
  /** counters of closed channels, per connection id (dropped when the connection goes) */
  private readonly retiredByConnection = new Map<string, ChannelCounters>();

  constructor(
    private readonly server: WarrenServer,
    readonly intervalMs: number = DEFAULT_STATS_INTERVAL_MS,
  ) {
    this.capacity = Math.min(MAX_SAMPLES, Math.max(2, Math.ceil(HISTORY_MS / intervalMs) + 1));
    // A closed channel's final counts keep counting for its vhost, the node and its connection.
    this.server.broker.channelClosed = (ch, vhost) => {
      add(this.retired, vhost, ch.stats);
      add(this.retiredByConnection, ch.connectionId, ch.stats);
    };
  }

  /** Starts sampling (rates_mode basic); without it the counters still count (Prometheus totals). */
  start(): void {
    if (this.timer) return;
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  get running(): boolean {
    return this.timer !== null;
  }

  of(obj: object): Series | undefined {
    return this.series.get(obj);
  }

  total(vhost: string | null): Series | undefined {
    return this.totals.get(vhost ?? '');
  }

  /** Channel counters of the node (vhost null) or one vhost, including closed channels, right now. */
  channelTotals(vhost: string | null): ChannelCounters {
    const sum = new ChannelCounters();
    for (const [name, c] of this.retired) if (vhost === null || name === vhost) addChannelCounters(sum, c);
    for (const conn of this.server.connections) {
      if (vhost !== null && conn.vhost?.name !== vhost) continue;
      for (const ch of conn.channels.values()) if (!ch.closing) addChannelCounters(sum, ch.stats);
    }
    return sum;
  }

  /** Channel counters of one connection, including its closed channels. */
  connectionTotals(conn: Pick<Connection, 'id' | 'channels'>): ChannelCounters {
    const sum = new ChannelCounters();
    const retired = this.retiredByConnection.get(conn.id);
    if (retired) addChannelCounters(sum, retired);
    for (const ch of conn.channels.values()) if (!ch.closing) addChannelCounters(sum, ch.stats);
    return sum;
  }

  /** Takes one sample of every object (the timer calls this). */
  sample(now = Date.now()): void {
    const next = new Map<object, Series>();
    const prevTime = this.lastSample;
    const keep = (obj: object, fields: readonly string[], values: number[]): void => {
      let s = this.series.get(obj);
      if (!s) {
        // Idle objects cost nothing: a series starts with the first non-zero sample, after a zero one.
        if (allZero(values)) return;
        s = new Series(fields, this.capacity);
        if (prevTime > 0) s.push(prevTime, new Array<number>(fields.length).fill(0));
      }
      s.push(now, values);
      next.set(obj, s);
    };
    const depth = new Map<string, number[]>();
    for (const vhost of this.server.broker.vhosts.values()) {
      let ready = 0;
      let unacked = 0;
      for (const q of vhost.queues.values()) {
        ready += q.messageCount;
        unacked += q.unackedCount;
        keep(q, QUEUE_SERIES_FIELDS, queueValues(q));
      }
      for (const x of vhost.exchanges.values()) keep(x, EXCHANGE_FIELDS, exchangeValues(x));
      depth.set(vhost.name, [ready + unacked, ready, unacked]);
    }
    const connectionIds = new Set<string>();
    for (const conn of this.server.connections) {
      connectionIds.add(conn.id);
      for (const ch of conn.channels.values())
        keep(
          ch,
          CHANNEL_FIELDS,
          CHANNEL_FIELDS.map((f) => ch.stats[f]),
        );
      const c = this.connectionTotals(conn);
      keep(conn, CONNECTION_FIELDS, [...CHANNEL_FIELDS.map((f) => c[f]), conn.recvOctets, conn.sendOctets]);
    }
    const nodeDepth = [0, 0, 0];
    const totals = new Map<string, Series>();
    const keepTotal = (name: string, counters: ChannelCounters, d: number[]): void => {
      let s = this.totals.get(name);
      if (!s) {
        s = new Series(TOTAL_FIELDS, this.capacity);
        if (prevTime > 0) s.push(prevTime, new Array<number>(TOTAL_FIELDS.length).fill(0));
      }
      s.push(now, [...CHANNEL_FIELDS.map((f) => counters[f]), ...d]);
      totals.set(name, s);
    };
    for (const [name, d] of depth) {
      for (let i = 0; i < 3; i++) nodeDepth[i]! += d[i]!;
      keepTotal(name, this.channelTotals(name), d);
    }
    keepTotal('', this.channelTotals(null), nodeDepth);
    for (const id of this.retiredByConnection.keys()) if (!connectionIds.has(id)) this.retiredByConnection.delete(id);
    this.series = next;
    this.totals = totals;
    this.lastSample = now;
  }
}

function add<K>(map: Map<K, ChannelCounters>, key: K, counters: ChannelCounters): void {
  let sum = map.get(key);
  if (!sum) map.set(key, (sum = new ChannelCounters()));
  addChannelCounters(sum, counters);
}

function queueValues(q: Queue): number[] {
  const s = q.stats;
  return [s.publish, s.deliver, s.deliver_no_ack, s.get, s.get_no_ack, s.ack, s.redeliver, q.messageCount + q.unackedCount, q.messageCount, q.unackedCount];
}

function exchangeValues(x: Exchange): number[] {
  return [x.stats.publish_in, x.stats.publish_out];
}
