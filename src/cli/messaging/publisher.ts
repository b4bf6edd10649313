// Pipelined publishing on a confirm channel: publishes without awaiting each confirm, keeps at most
// `window` messages unconfirmed, respects amqplib's write buffer (drain), and counts acks, nacks and
// basic.returns (mandatory). finish() waits for every confirm.
import type { ConfirmChannel, Message, Options } from 'amqplib';
import { CliError, ExitCode } from '../exit-codes.js';
import { amqpFailure } from './errors.js';

export interface ReturnedInfo {
  exchange: string;
  routingKey: string;
  replyCode: number;
  replyText: string;
}

export class Publisher {
  published = 0;
  acked = 0;
  nacked = 0;
  returned = 0;
  firstReturn: ReturnedInfo | undefined;
  private failure: unknown;
  private closed = false;
  private waitTarget = 0;
  private waiter: ((err?: unknown) => void) | undefined;
  private readonly confirm: (err: unknown) => void;

  constructor(
    private readonly ch: ConfirmChannel,
    private readonly window = 20_000,
  ) {
    this.confirm = (err: unknown) => {
      if (err) {
        // amqplib reports a channel close to every outstanding callback; that is not a nack
        if ((err as Error).message !== 'message nacked') return;
        this.nacked++;
      } else this.acked++;
      if (this.waiter !== undefined && this.acked + this.nacked >= this.waitTarget) this.wake();
    };
    ch.on('return', (m: Message) => {
      this.returned++;
      if (!this.firstReturn) {
        const f = m.fields as unknown as { exchange: string; routingKey: string; replyCode: number; replyText: string };
        this.firstReturn = { exchange: f.exchange, routingKey: f.routingKey, replyCode: f.replyCode, replyText: f.replyText };
      }
    });
    ch.on('error', (e: unknown) => {
      this.failure ??= e;
      this.wake();
    });
    ch.on('close', () => {
      this.closed = true;
      this.wake();
    });
  }

  get settled(): number {
    return this.acked + this.nacked;
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
    if (this.failure !== undefined || this.closed) this.check();
    const ok = this.ch.publish(exchange, routingKey, body, options, this.confirm);
    this.published++;
    if (this.published - this.settled > this.window) return this.until(this.published - (this.window >> 1));
    if (!ok) return new Promise((resolve) => this.ch.once('drain', () => resolve()));
    return undefined;
  }

  /** Resolves once `n` messages are confirmed (acked or nacked). */
  until(n: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const poll = (): void => {
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

  /** Waits for every confirm; then fails for nacks (75) and, with mandatory, unroutable messages (65). */
  async finish(): Promise<void> {
    await this.until(this.published);
    if (this.nacked > 0) {
      throw new CliError(ExitCode.TEMP_FAIL, `the broker rejected (nacked) ${this.nacked} of ${this.published} message${this.published === 1 ? '' : 's'}; they were not stored (queue full with overflow reject-publish, or a resource alarm?)`);
    }
    if (this.returned > 0) {
      const r = this.firstReturn;
      const where = r ? `exchange '${r.exchange}' with routing key '${r.routingKey}' (${r.replyCode} ${r.replyText})` : 'the exchange';
      throw new CliError(ExitCode.DATA_ERROR, `${this.returned} of ${this.published} message${this.published === 1 ? ' was' : 's were'} unroutable: no queue is bound to ${where}`);
    }
  }
}
