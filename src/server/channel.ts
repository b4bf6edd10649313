// One AMQP channel: runs the exchange, queue, basic, confirm and tx methods against the broker
// model and tracks what it has delivered until it is acknowledged.
import {
  AmqpError,
  ClassId,
  Frame,
  FRAME_OVERHEAD,
  MethodId,
  ReplyCode,
  type FieldTable,
  type Method,
  type Writer,
  writeBasicCancel,
  writeBasicDeliver,
  writeDeliverText,
  writeBasicGetOk,
  writeBasicReturn,
} from '../amqp/index.js';
import type { ChannelView } from '../api/read-model.js';
import type { Broker } from '../broker/broker.js';
import { REPLY_PREFIX, type ReplySink } from '../broker/direct-reply-to.js';
import type { Envelope } from '../broker/message.js';
import { Message } from '../broker/message.js';
import type { Queue } from '../broker/queue.js';
import { MAX_EXPIRY_MS } from '../broker/queue-settings.js';
import type { Permission, User } from '../broker/users.js';
import type { Vhost } from '../broker/vhost.js';
import { checkUserId } from './authentication.js';
import { ChannelConsumer, type ConsumerHost } from './channel-consumer.js';
import type { ChannelContext } from './channel-context.js';
import { handleChannelMethod } from './channel-methods.js';
import { ContentAssembler, type AssembledContent } from './content-assembler.js';
import { DirectReplyConsumer } from './direct-reply-consumer.js';
import { PublisherConfirms } from './publisher-confirms.js';
import { UnackedLog } from './unacked-log.js';
import { ChannelCounters, countAck, countDeliver, countGet, countPublish, countUnroutable } from '../broker/message-stats.js';
import { traceDeliver, tracePublish } from '../broker/trace.js';

/** What a channel needs from its connection. */
export interface ChannelHost {
  readonly id: string;
  readonly broker: Broker;
  readonly writer: Writer;
  /** largest message body accepted, in bytes */
  readonly maxMessageSize: number;
  readonly frameMax: number;
  readonly consumerCancelNotify: boolean;
  /** true while the socket's send buffer is over its high-water mark */
  readonly backedUp: boolean;
  /** exclusive queues this connection declared, deleted when it closes */
  readonly ownedQueues: Set<Queue>;
  scheduleFlush(): void;
  /** the channel has work to do just before the next flush (its beforeFlush) */
  markDirty(channel: Channel): void;
  /** a failure outside any client request: logged, and the connection closed (contained to it) */
  fault(where: string, what: string, err: unknown): void;
  /** when the bytes being handled were read (ms since the epoch): a published message's arrival */
  readonly readAt: number;
  /** a publish arrived (resource alarms block publishing connections) */
  onPublish(): void;
  /** stops handling the connection's frames until the returned release is called */
  holdInput(): () => void;
  /** runs a method's continuation after a wait, as the method itself would have run (errors close the channel) */
  continueMethod(ch: Channel, methodId: number, fn: () => void): void;
}

/** the outcome of a publish whose exchange has gone */
const UNROUTED = Object.freeze({ routed: 0, batch: 0, rejected: false });

type TxAction = { kind: 'publish'; message: Message; mandatory: boolean } | { kind: 'settle'; tag: number; multiple: boolean; ack: boolean; requeue: boolean };

export class Channel implements ConsumerHost, ReplySink, ChannelContext, ChannelView {
  readonly consumers = new Map<string, ChannelConsumer>();
  /** deliveries waiting for their ack, in tag order */
  private readonly unacked = new UnackedLog();
  private deliveryTag = 0;
  /** basic.qos: prefetch for consumers created next (global=false) and for the whole channel (global=true) */
  private prefetchPerConsumer = 0;
  private prefetchPerChannel = 0;
  private flow = true;
  private confirming = false;
  private transactional = false;
  private txActions: TxAction[] = [];
  private readonly confirms: PublisherConfirms;
  private readonly assembler: ContentAssembler;
  /** whether a basic.publish is waiting for its content, and that publish's arguments (copied:
   *  the decoder reuses its basic.publish object for the next frame) */
  private pending = false;
  private pendingExchange = '';
  private pendingRoutingKey = '';
  private pendingMandatory = false;
  /** queues whose consumers on this channel got capacity back: drained once per batch */
  private readonly toDrain = new Set<Queue>();
  /** the queue last added to toDrain (acks come in runs for one queue: one Set insert per run) */
  private lastToDrain: Queue | null = null;
  /** set once the connection has this channel on its list for the next flush (one insert per flush) */
  private flushAsked = false;
  /** the permission object and exchange of the last publish allowed (see checkWrite) */
  private writePermission: Permission | undefined = undefined;
  private writeExchange = '';
  closing = false;
  /** the last queue declared on this channel, which an empty queue name refers to */
  private lastQueue: string | null = null;
  /** set while this channel consumes amq.rabbitmq.reply-to */
  replyConsumer: DirectReplyConsumer | null = null;
  /** message counters for the management API (sampled by the server) */
  readonly stats = new ChannelCounters();

  constructor(
    readonly host: ChannelHost,
    readonly number: number,
    /** the connection's user and vhost (a channel exists only on an opened connection) */
    readonly user: User,
    readonly vhost: Vhost,
  ) {
    this.assembler = new ContentAssembler(host.maxMessageSize);
    this.confirms = new PublisherConfirms({
      writer: host.writer,
      number,
      durableBatch: () => host.broker.store.durableBatch,
      waitForDurability: (waiting) => (waiting ? host.broker.durabilityWaiters.add(this) : host.broker.durabilityWaiters.delete(this)),
      scheduleFlush: () => this.askFlush(),
    });
  }

  get connectionId(): string {
    return this.host.id;
  }

  get broker(): Broker {
    return this.host.broker;
  }

  get writer(): Writer {
    return this.host.writer;
  }

  get unackedCount(): number {
    return this.unacked.size;
  }

  /** basic.qos prefetch for consumers created after it (0: unlimited) */
  get consumerPrefetch(): number {
    return this.prefetchPerConsumer;
  }

  /** basic.qos global prefetch, shared by the channel's consumers (0: unlimited) */
  get channelPrefetch(): number {
    return this.prefetchPerChannel;
  }

  /** false while the client has paused deliveries with channel.flow */
  get flowActive(): boolean {
    return this.flow;
  }

  get confirmMode(): boolean {
    return this.confirming;
  }

  get txMode(): boolean {
    return this.transactional;
  }

  get unconfirmedCount(): number {
    return this.confirming ? this.confirms.unconfirmed : 0;
  }

  handleMethod(method: Method): void {
    if (this.pending || this.assembler.inBody) {
      throw new AmqpError(ReplyCode.UNEXPECTED_FRAME, `expected content header for class 60, got non content header frame instead`);
    }
    if (method.id === MethodId.BASIC_PUBLISH) {
      // RabbitMQ (since 3.0) refuses immediate delivery: a connection error, before anything else.
      if (method.immediate) throw new AmqpError(ReplyCode.NOT_IMPLEMENTED, 'immediate=true', ClassId.BASIC, 40);
      this.checkWrite(method.exchange);
      const x = this.vhost.exchange(method.exchange);
      if (x.options.internal) {
        throw new AmqpError(ReplyCode.ACCESS_REFUSED, `cannot publish to internal exchange '${x.name}' in vhost '${this.vhost.name}'`);
      }
      this.broker.checkTopicAccess(this.vhost.name, this.user.name, x, 'write', method.routingKey);
      this.pending = true;
      this.pendingExchange = method.exchange;
      this.pendingRoutingKey = method.routingKey;
      this.pendingMandatory = method.mandatory;
      this.host.onPublish();
      return;
    }
    handleChannelMethod(this, method);
  }

  /**
   * Write access to the exchange, checked as the broker does; a publisher sends to one exchange
   * again and again, so the last exchange allowed under the current permission object (replaced
   * whole whenever permissions change) is remembered and its pattern not run again.
   */
  private checkWrite(exchange: string): void {
    const permission = this.broker.permission(this.vhost.name, this.user.name);
    if (permission !== undefined && permission === this.writePermission && exchange === this.writeExchange) return;
    this.broker.checkAccess(this.vhost.name, this.user.name, 'write', 'exchange', exchange);
    this.writePermission = permission;
    this.writeExchange = exchange;
  }

  handleHeader(buf: Buffer, start: number, end: number): void {
    if (!this.pending || this.assembler.inBody) {
      throw new AmqpError(ReplyCode.UNEXPECTED_FRAME, 'expected method frame, got non method frame instead');
    }
    const content = this.assembler.begin(buf, start, end);
    if (content) this.publishContent(content);
  }

  handleBody(buf: Buffer, start: number, end: number): void {
    if (!this.assembler.inBody) {
      throw new AmqpError(ReplyCode.UNEXPECTED_FRAME, 'expected method frame, got non method frame instead');
    }
    const content = this.assembler.body(buf, start, end);
    if (content) this.publishContent(content);
  }

  private publishContent(content: AssembledContent): void {
    this.pending = false;
    const mandatory = this.pendingMandatory;
    const scan = content.scan;
    checkUserId(this.user, scan.userId);
    checkExpiration(scan.expiration);
    const message = DirectReplyConsumer.addressRequest(this, Message.published(this.pendingExchange, this.pendingRoutingKey, content, this.host.readAt));
    // traced when published, in a transaction too (RabbitMQ's tap_in at basic.publish)
    if (this.vhost.tracing) tracePublish(this.vhost, message, this);
    if (this.transactional) this.txActions.push({ kind: 'publish', message, mandatory });
    else this.publish(message, mandatory);
  }

  private publish(message: Message, mandatory: boolean): void {
    const seq = this.confirming ? this.confirms.next() : 0;
    countPublish(this.stats, seq !== 0);
    if (message.exchange === '' && message.routingKey.startsWith(REPLY_PREFIX)) {
      if (!this.broker.directReplyTo.deliver(message.routingKey, message) && mandatory) this.sendReturn(message, ReplyCode.NO_ROUTE, 'NO_ROUTE');
      if (seq) this.confirms.settle(seq, 0, false);
      return;
    }
    // The exchange may have gone while the content was in flight (or before tx.commit).
    const exchange = this.vhost.exchanges.get(message.exchange);
    const { routed, batch, rejected } = exchange ? this.vhost.publish(exchange, message) : UNROUTED;
    if (routed === 0 && !rejected && mandatory) this.sendReturn(message, ReplyCode.NO_ROUTE, 'NO_ROUTE');
    if (routed === 0 && !rejected) countUnroutable(this.stats, mandatory);
    if (seq) this.confirms.settle(seq, batch, rejected);
  }

  private sendReturn(message: Message, code: number, text: string): void {
    writeBasicReturn(this.writer, this.number, code, text, message.exchange, message.routingKey);
    this.writeContent(message);
  }

  /** The store made batches up to `batch` durable (the broker calls this for waiting channels). */
  onDurable(batch: number, failed: boolean): void {
    try {
      this.confirms.onDurable(batch, failed);
    } catch (err) {
      this.host.fault(` channel ${this.number}`, 'publisher confirms', err);
    }
  }

  /** ConsumerHost: delivering to `consumer` threw; its unacked messages go back when the connection closes. */
  deliveryFailed(consumer: ChannelConsumer, err: unknown): void {
    this.host.fault(` channel ${this.number}`, `delivering to consumer '${consumer.tag}' of ${consumer.queue.describe()}`, err);
  }

  /** Called by the connection just before it writes its buffered frames. */
  beforeFlush(): void {
    this.flushAsked = false;
    this.lastToDrain = null;
    // After channel.close only close-ok may follow on this channel (pending confirms die with it, as in RabbitMQ).
    if (this.closing) return;
    if (this.toDrain.size > 0) {
      for (const q of this.toDrain) q.drain();
      this.toDrain.clear();
    }
    this.confirms.writeAcks();
  }

  // ---- delivery (ConsumerHost) ----

  canDeliver(): boolean {
    if (!this.flow || this.closing || this.host.backedUp) return false;
    return this.prefetchPerChannel === 0 || this.unacked.size < this.prefetchPerChannel;
  }

  deliver(consumer: ChannelConsumer, envelope: Envelope): void {
    const tag = ++this.deliveryTag;
    if (!consumer.noAck) {
      this.track(tag, consumer.queue, envelope, consumer);
      consumer.unacked++;
    }
    const m = envelope.message;
    countDeliver(this.stats, consumer.queue.stats, consumer.noAck, envelope.redelivered);
    const text = m.text;
    if (text === null || !writeDeliverText(this.writer, this.number, consumer.tag, tag, envelope.redelivered, m.exchange, m.routingKey, text, m.headerSize)) {
      writeBasicDeliver(this.writer, this.number, consumer.tag, tag, envelope.redelivered, m.exchange, m.routingKey);
      this.writeContent(m);
    }
    this.host.scheduleFlush();
    if (this.vhost.tracing) traceDeliver(this.vhost, consumer.queue, envelope, this);
  }

  /** A reply for this channel's amq.rabbitmq.reply-to consumer (always no-ack). */
  deliverReply(message: Message): void {
    if (!this.replyConsumer || this.closing) return;
    writeBasicDeliver(this.writer, this.number, this.replyConsumer.tag, ++this.deliveryTag, false, message.exchange, message.routingKey);
    this.writeContent(message);
    this.host.scheduleFlush();
  }

  afterQueueRead(queue: Queue, methodId: number, then: () => void): void {
    const release = this.host.holdInput();
    queue.whenRead(() => {
      // the answer first, then the frames that came after the method
      this.host.continueMethod(this, methodId, then);
      release();
    });
  }

  /** basic.get-ok with its content; the caller has taken the envelope from the queue. */
  deliverGet(queue: Queue, envelope: Envelope, noAck: boolean): void {
    const tag = ++this.deliveryTag;
    if (!noAck) this.track(tag, queue, envelope, null);
    const m = envelope.message;
    countGet(this.stats, queue.stats, noAck, envelope.redelivered);
    writeBasicGetOk(this.writer, this.number, tag, envelope.redelivered, m.exchange, m.routingKey, queue.messageCount);
    this.writeContent(m);
    if (this.vhost.tracing) traceDeliver(this.vhost, queue, envelope, this);
  }

  private writeContent(m: Message): void {
    const w = this.writer;
    const text = m.text;
    if (text !== null) {
      // (a text content is at most TEXT_MAX bytes: its body fits one frame of the smallest frame_max)
      w.frameText(Frame.HEADER, this.number, text, 0, m.headerSize);
      if (m.size > 0) w.frameText(Frame.BODY, this.number, text, m.headerSize, text.length);
      return;
    }
    w.frameFrom(Frame.HEADER, this.number, m.headerBytes, m.headerStart, m.headerStart + m.headerSize);
    const bytes = m.bodyBytes;
    const start = m.bodyStart;
    const size = m.size;
    const max = this.host.frameMax - FRAME_OVERHEAD;
    for (let off = 0; off < size; off += max) w.frameFrom(Frame.BODY, this.number, bytes, start + off, start + Math.min(off + max, size));
  }

  consumerCancelledByBroker(consumer: ChannelConsumer): void {
    this.consumers.delete(consumer.tag);
    if (this.host.consumerCancelNotify && !this.closing) {
      writeBasicCancel(this.writer, this.number, consumer.tag, true);
      this.host.scheduleFlush();
    }
  }

  // ---- acknowledgements ----

  /** basic.ack / nack / reject from the client (deferred to commit in tx mode). */
  settle(tag: number, multiple: boolean, ack: boolean, requeue: boolean): void {
    if (this.transactional) {
      this.checkTags(tag, multiple);
      this.txActions.push({ kind: 'settle', tag, multiple, ack, requeue });
      return;
    }
    this.settleTags(tag, multiple, ack, requeue);
  }

  private checkTags(tag: number, multiple: boolean): void {
    if (multiple && tag === 0) return;
    if (!this.unacked.has(tag)) throw new AmqpError(ReplyCode.PRECONDITION_FAILED, `unknown delivery tag ${tag}`);
  }

  /** 0-9-1 basic.ack: multiple with tag 0 means everything outstanding. */
  private settleTags(tag: number, multiple: boolean, ack: boolean, requeue: boolean): void {
    const log = this.unacked;
    if (!multiple) {
      const slot = log.find(tag);
      if (slot < 0) throw new AmqpError(ReplyCode.PRECONDITION_FAILED, `unknown delivery tag ${tag}`);
      this.settleSlot(slot, ack, requeue);
      return;
    }
    this.checkTags(tag, multiple);
    // The front entry is always a live one, the oldest.
    while (log.size > 0 && (tag === 0 || log.frontTag <= tag)) this.settleSlot(0, ack, requeue);
  }

  private track(tag: number, queue: Queue, envelope: Envelope, consumer: ChannelConsumer | null): void {
    this.unacked.push(tag, queue, envelope, consumer);
  }

  /** Settles the delivery in this slot of `unacked` and forgets it. */
  private settleSlot(slot: number, ack: boolean, requeue: boolean): void {
    const log = this.unacked;
    const queue = log.queueAt(slot);
    const envelope = log.envelopeAt(slot);
    const consumer = log.consumerAt(slot);
    log.remove(slot);
    if (consumer) consumer.unacked--;
    if (ack) {
      queue.settle(envelope);
      countAck(this.stats, queue.stats);
    } else if (requeue) queue.requeue(envelope);
    else queue.reject(envelope);
    if (queue !== this.lastToDrain) {
      this.toDrain.add(queue);
      this.lastToDrain = queue;
    }
    this.askFlush();
  }

  /** Has beforeFlush() run before the connection's next flush. */
  private askFlush(): void {
    if (this.flushAsked) return;
    this.flushAsked = true;
    this.host.markDirty(this);
  }

  /** Puts every unacknowledged message back in its queue (recover, channel close). */
  requeueAll(): void {
    while (this.unacked.size > 0) this.settleSlot(0, false, true);
  }

  commit(): void {
    const actions = this.txActions;
    this.txActions = [];
    for (const a of actions) {
      if (a.kind === 'publish') this.publish(a.message, a.mandatory);
      else this.settleTags(a.tag, a.multiple, a.ack, a.requeue);
    }
  }

  rollback(): void {
    this.txActions = [];
  }

  // --- state the method handlers (src/server/methods/) change through these --------------------------------

  ownQueue(queue: Queue): void {
    this.host.ownedQueues.add(queue);
  }

  scheduleFlush(): void {
    this.host.scheduleFlush();
  }

  /** 0-9-1: an empty queue name means the last queue declared on this channel. */
  queueOrLast(name: string): string {
    if (name !== '') return name;
    if (this.lastQueue === null) throw new AmqpError(ReplyCode.NOT_FOUND, 'no previously declared queue');
    return this.lastQueue;
  }

  rememberQueue(name: string): void {
    this.lastQueue = name;
  }

  /** RabbitMQ's per_consumer_qos: global=false applies to consumers created after it. */
  setPrefetch(count: number, global: boolean): void {
    if (global) this.prefetchPerChannel = count;
    else this.prefetchPerConsumer = count;
  }

  hasConsumer(tag: string): boolean {
    return this.consumers.has(tag);
  }

  addConsumer(queue: Queue, tag: string, noAck: boolean, exclusive: boolean, args: FieldTable): void {
    this.consumers.set(tag, new ChannelConsumer(this, queue, tag, noAck, exclusive, args, this.prefetchPerConsumer));
  }

  startConsumer(tag: string): void {
    const consumer = this.consumers.get(tag);
    consumer?.queue.addConsumer(consumer);
  }

  cancelConsumer(tag: string): void {
    const consumer = this.consumers.get(tag);
    if (!consumer) return;
    this.consumers.delete(tag);
    consumer.queue.removeConsumer(consumer);
  }

  selectConfirm(): void {
    this.confirming = true;
  }

  selectTx(): void {
    this.transactional = true;
  }

  setFlow(active: boolean): void {
    this.flow = active;
  }

  resumeConsumers(): void {
    for (const c of this.consumers.values()) c.queue.drain();
  }

  /** The channel is going away: cancel consumers, return unacked messages to their queues. */
  teardown(): void {
    if (!this.closing) this.broker.channelClosed?.(this, this.vhost.name);
    this.closing = true;
    this.broker.durabilityWaiters.delete(this);
    this.replyConsumer?.cancel(this);
    for (const consumer of this.consumers.values()) consumer.queue.removeConsumer(consumer);
    this.consumers.clear();
    this.requeueAll();
    for (const q of this.toDrain) q.drain();
    this.toDrain.clear();
    this.lastToDrain = null;
    this.assembler.reset();
    this.pending = false;
  }
}

/** RabbitMQ accepts a per-message TTL only as a non-negative integer in a string. */
function checkExpiration(expiration: string | undefined): void {
  if (expiration === undefined) return;
  if (/^\d+$/.test(expiration)) {
    const n = BigInt(expiration);
    if (n > BigInt(MAX_EXPIRY_MS)) throw new AmqpError(ReplyCode.PRECONDITION_FAILED, `invalid expiration '${expiration}': {value_too_large,${n}}`);
    return;
  }
  if (/^-\d+$/.test(expiration))
    throw new AmqpError(ReplyCode.PRECONDITION_FAILED, `invalid expiration '${expiration}': {value_negative,${BigInt(expiration)}}`);
  throw new AmqpError(ReplyCode.PRECONDITION_FAILED, `invalid expiration '${expiration}': no_integer`);
}
