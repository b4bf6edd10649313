// What the channel method handlers (src/server/methods/) see of a channel: its place (vhost, user, writer), the
// state it owns, changed only through its own methods. The Channel class implements it; the handlers never
// import the class, so they and the channel do not import each other.
import type { Writer } from '../amqp/index.js';
import type { Broker } from '../broker/broker.js';
import type { ChannelCounters } from '../broker/message-stats.js';
import type { Envelope } from '../broker/message.js';
import type { Queue } from '../broker/queue.js';
import type { User } from '../broker/users.js';
import type { Vhost } from '../broker/vhost.js';
import type { FieldTable } from '../amqp/index.js';
import type { ReplyConsumerHost } from './direct-reply-consumer.js';

export interface ChannelContext extends ReplyConsumerHost {
  readonly number: number;
  readonly user: User;
  readonly vhost: Vhost;
  readonly broker: Broker;
  readonly writer: Writer;
  readonly connectionId: string;
  /** message counters for the management API */
  readonly stats: ChannelCounters;
  readonly confirmMode: boolean;
  readonly txMode: boolean;
  /** exclusive queues of this connection, deleted when it closes */
  ownQueue(queue: Queue): void;
  scheduleFlush(): void;

  /** 0-9-1: an empty queue name means the last queue declared on this channel. */
  queueOrLast(name: string): string;
  rememberQueue(name: string): void;

  /** basic.qos: the prefetch for consumers created after it, or for the whole channel (global). */
  setPrefetch(count: number, global: boolean): void;
  hasConsumer(tag: string): boolean;
  /** A new consumer of `queue` under `tag`, registered on the channel (not yet on the queue). */
  addConsumer(queue: Queue, tag: string, noAck: boolean, exclusive: boolean, args: FieldTable): void;
  /** Starts deliveries to the consumer registered under `tag` (after consume-ok is written). */
  startConsumer(tag: string): void;
  cancelConsumer(tag: string): void;
  deliverGet(queue: Queue, envelope: Envelope, noAck: boolean): void;
  /**
   * Runs `then` (as part of method `methodId`) once the queue's messages being read back from disk have arrived,
   * handling none of the connection's later frames meanwhile: the method answers in order, with no synchronous read.
   */
  afterQueueRead(queue: Queue, methodId: number, then: () => void): void;
  settle(tag: number, multiple: boolean, ack: boolean, requeue: boolean): void;
  requeueAll(): void;

  selectConfirm(): void;
  selectTx(): void;
  commit(): void;
  rollback(): void;
  setFlow(active: boolean): void;
  /** Lets every consumer's queue deliver again (after channel.flow active). */
  resumeConsumers(): void;
}
