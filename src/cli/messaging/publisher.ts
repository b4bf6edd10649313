// Pipelined publishing on a confirm channel: publishes without awaiting each confirm, keeps at most
// `window` messages unconfirmed, respects amqplib's write buffer (drain), and counts acks, nacks and
// basic.returns (mandatory). finish() waits for every confirm.
// With `reconnect` (several nodes of a cluster), a lost connection is not an error: the publisher gets a channel
// on another node and re-sends every message not yet confirmed (`resent` counts them: each may be a duplicate).
import type { ConfirmChannel, Message, Options } from 'amqplib';
import { CliError, ExitCode } from '../exit-codes.js';
import { amqpFailure } from './errors.js';

export interface ReturnedInfo {
  exchange: string;
  routingKey: string;
  replyCode: number;
  replyText: string;
}

interface Unconfirmed {
  exchange: string;
  routingKey: string;
  body: Buffer;
  options: Options.Publish;
}

export interface PublisherOptions {
  /** a confirm channel on another node, after the connection was lost (see Connection.failover) */
  reconnect?: () => Promise<ConfirmChannel>;
  /** told before each failover, with the number of messages about to be re-sent */
  onFailover?: (unconfirmed: number) => void;
}

export class Publisher {
  published = 0;
  acked = 0;
  nacked = 0;
  returned = 0;
  /** messages published again on another node after a failover (possible duplicates) */
  resent = 0;
  failovers = 0;
  firstReturn: ReturnedInfo | undefined;
  private failure: unknown;
  private closed = false;
  private waitTarget = 0;
  private waiter: ((err?: unknown) => void) | undefined;
  private readonly confirm: (err: unknown) => void;
  /** with reconnect: what is not confirmed yet, by publish number */
  private readonly pending = new Map<number, Unconfirmed>();
  private ch: ConfirmChannel;
  private recovering: Promise<void> | undefined;

  constructor(
    ch: ConfirmChannel,
    private readonly window = 20_000,
    private readonly opts: PublisherOptions = {},
  ) {
    this.ch = ch;
    this.confirm = (err: unknown) => {
      if (err) {
        // amqplib reports a channel close to every outstanding callback; that is not a nack
        if ((err as Error).message !== 'message nacked') return;
        this.nacked++;
      } else this.acked++;
      if (this.waiter !== undefined && this.acked + this.nacked >= this.waitTarget) this.wake();
    };
    this.attach(ch);
  }

  private attach(ch: ConfirmChannel): void {
    ch.on('return', (m: Message) => {
      this.returned++;
      if (!this.firstReturn) {
        const f = m.fields as unknown as { exchange: string; routingKey: string; replyCode: number; replyText: string };
        this.firstReturn = { exchange: f.exchange, routingKey: f.routingKey, replyCode: f.replyCode, replyText: f.replyText };
      }
    });
    ch.on('error', (e: unknown) => {
      if (ch !== this.ch) return;
      this.failure ??= e;
      this.wake();
    });
    ch.on('close', () => {
      if (ch !== this.ch) return;
      this.closed = true;
      this.wake();
    });
  }

  /** The channel closed without a channel error (its connection was lost) and another node may take over. */
  private get lost(): boolean {
    return this.closed && this.failure === undefined && this.opts.reconnect !== undefined;
  }

  /** A channel on another node, then every unconfirmed message again, in order. */
  private recover(): Promise<void> {
    this.recovering ??= (async () => {
      const reconnect = this.opts.reconnect as () => Promise<ConfirmChannel>;
      this.opts.onFailover?.(this.pending.size);
      const ch = await reconnect();
      ch.on('error', () => {});
      this.ch = ch;
      this.closed = false;
      this.failovers++;
      this.attach(ch);
      for (const [seq, m] of [...this.pending].sort((a, b) => a[0] - b[0])) {
        this.resent++;
        const ok = ch.publish(m.exchange, m.routingKey, m.body, m.options, this.confirmOf(seq));
        if (!ok) await new Promise<void>((resolve) => ch.once('drain', () => resolve()));
      }
    })().finally(() => (this.recovering = undefined));
    return this.recovering;
  }

  /** with reconnect, each message's own callback forgets it once confirmed */
  private confirmOf(seq: number): (err: unknown) => void {
    return (err: unknown) => {
      if (err && (err as Error).message !== 'message nacked') return;
      this.pending.delete(seq);
      this.confirm(err);
    };
  }

  get settled(): number {
    return this.acked + this.nacked;
  }

  private readonly aborters = new Set<() => void>();

  /** Fails the publish now (e.g. blocked by the broker for longer than --timeout): waits end with `err`. */
  abort(err: CliError): void {
    this.failure ??= err;
    this.wake();
    for (const a of [...this.aborters]) a();
  }

  private wake(err?: unknown): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.(err);
  }

  private check(): void {
    if (this.failure !== undefined) throw amqpFailure(this.failure);
    if (this.closed) throw new CliError(ExitCode.UNAVAILABLE, 'the AMQP channel closed before all messages were confirmed');
  }

  /** Publishes; returns a promise only when the caller must wait (window full or write buffer full). */
  publish(exchange: string, routingKey: string, body: Buffer, options: Options.Publish): Promise<void> | undefined {
    if (this.lost || this.recovering) return this.recover().then(() => this.publish(exchange, routingKey, body, options));
    if (this.failure !== undefined || this.closed) this.check();
    let callback = this.confirm;
    if (this.opts.reconnect) {
      const seq = this.published;
      this.pending.set(seq, { exchange, routingKey, body, options });
      callback = this.confirmOf(seq);
    }
    const ok = this.ch.publish(exchange, routingKey, body, options, callback);
    this.published++;
    if (this.published - this.settled > this.window) return this.until(this.published - (this.window >> 1));
    if (!ok) {
      const ch = this.ch;
      return new Promise((resolve) => {
        // a lost connection never drains: wake up on its close too
        const done = (): void => {
          ch.off('drain', done);
          ch.off('close', done);
          this.aborters.delete(done);
          resolve();
        };
        ch.once('drain', done);
        ch.once('close', done);
        this.aborters.add(done);
      });
    }
    return undefined;
  }

  /** Resolves once `n` messages are confirmed (acked or nacked). */
  until(n: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const poll = (): void => {
        if (this.lost || this.recovering) {
          this.recover().then(poll, reject);
          return;
        }
        try {
          this.check();
        } catch (e) {
          reject(e);
          return;
        }
        if (this.settled >= n) resolve();
        else {
          this.waitTarget = n;
          this.waiter = poll;
        }
      };
      poll();
    });
  }

  /** `N of M messages were unroutable: no queue is bound to ...` */
  unroutableText(): string {
    const r = this.firstReturn;
    const where = r ? `exchange '${r.exchange}' with routing key '${r.routingKey}' (${r.replyCode} ${r.replyText})` : 'the exchange';
    return `${this.returned} of ${this.published} message${this.published === 1 ? ' was' : 's were'} unroutable: no queue is bound to ${where}`;
  }

  /** Waits for every confirm; then fails for nacks (75) and, with `mandatory`, unroutable messages (65). */
  async finish(mandatory = true): Promise<void> {
    await this.until(this.published);
    if (this.nacked > 0) {
      throw new CliError(
        ExitCode.TEMP_FAIL,
        `the broker rejected (nacked) ${this.nacked} of ${this.published} message${this.published === 1 ? '' : 's'}; they were not stored (queue full with overflow reject-publish, or a resource alarm?)`,
      );
    }
    if (this.returned > 0 && mandatory) throw new CliError(ExitCode.DATA_ERROR, this.unroutableText());
  }
}
