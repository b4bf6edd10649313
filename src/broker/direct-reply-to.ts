// RabbitMQ's direct reply-to: a channel consuming the pseudo-queue amq.rabbitmq.reply-to gets a
// token; requests it publishes carry reply_to amq.rabbitmq.reply-to.<token>, and replies published
// to that routing key on the default exchange go straight to its consumer, with no queue between.
import { randomBytes } from 'node:crypto';
import type { Message } from './message.js';

export const REPLY_QUEUE = 'amq.rabbitmq.reply-to';
export const REPLY_PREFIX = `${REPLY_QUEUE}.`;

export interface ReplySink {
  deliverReply(message: Message): void;
}

export class DirectReplyTo {
  private readonly sinks = new Map<string, ReplySink>();

  register(sink: ReplySink): string {
    const token = randomBytes(18).toString('base64url');
    this.sinks.set(token, sink);
    return token;
  }

  unregister(token: string): void {
    this.sinks.delete(token);
  }

  /** Delivers a reply addressed to amq.rabbitmq.reply-to.<token>; false if nobody waits for it. */
  deliver(routingKey: string, message: Message): boolean {
    const sink = this.sinks.get(routingKey.slice(REPLY_PREFIX.length));
    if (!sink) return false;
    sink.deliverReply(message);
    return true;
  }
}
