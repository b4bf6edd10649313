import type { Channel, ConsumeMessage } from 'amqplib';
import { defineCommand } from '../src/cli/command.js';
import { CliError, ExitCode } from '../src/cli/exit-codes.js';
import { CONNECTION_OPTIONS, openConnection } from '../src/cli/messaging/connection.js';
import { amqpFailure } from '../src/cli/messaging/errors.js';
import { FailedRuns, messageEnv, runCommand } from '../src/cli/messaging/exec.js';
import { OUTPUT_OPTIONS, printMessage, printOptions } from '../src/cli/messaging/message-output.js';
import { intOption, list, secondsOption, str } from '../src/cli/messaging/properties.js';
import { onStopSignal } from '../src/cli/messaging/stop-signals.js';

export default defineCommand({
  name: 'consume',
  aliases: [],
  group: 'messaging',
  summary: 'Consume messages from a queue (or from an exchange through a temporary queue) and print them or run a command per message',
  description:
    'Prints each body (raw, or one JSON object per line with --formatter json) and acknowledges it once printed. With --exec CMD, runs `sh -c CMD` per message with the body on stdin and WARREN_ROUTING_KEY, WARREN_EXCHANGE, WARREN_REDELIVERED, WARREN_CORRELATION_ID in the environment; exit 0 acks, anything else nacks and requeues (as amqp-consume). Ctrl-C or SIGTERM cancels the consumer, lets a running command finish, and leaves every unfinished message to the broker. With --idle-timeout, exits 0 after that many seconds without a message (75 if --count was given and not reached).',
  arguments: [
    {
      name: 'queue',
      description: 'the queue to consume from (omit with --exchange: a temporary exclusive queue is bound instead)',
      required: false,
      complete: 'queues',
    },
  ],
  options: [
    { flags: '-e, --exchange <name>', description: 'bind a queue to this exchange (the given queue, else a temporary exclusive one)' },
    { flags: '-b, --bind <pattern>', description: 'binding key for --exchange (repeatable; default #)', repeatable: true },
    { flags: '-c, --count <n>', description: 'stop after this many messages' },
    { flags: '--prefetch <n>', description: 'unacknowledged messages in flight (default 100, 1 with --exec)' },
    { flags: '-A, --no-ack', description: 'consume without acknowledgements (the broker forgets each message once sent)' },
    { flags: '--idle-timeout <seconds>', description: 'stop after this many seconds without a message' },
    { flags: '-x, --exec <command>', description: 'run this shell command per message, body on stdin; ack on exit 0, else nack and requeue' },
    {
      flags: '--max-redeliveries <n>',
      description:
        'with --exec: after n failed runs of one message, reject it without requeue (a dead-letter exchange gets it); failures back off from 100 ms to 5 s',
    },
    ...OUTPUT_OPTIONS,
    ...CONNECTION_OPTIONS,
  ],
  async run(ctx, [queueArg], options) {
    const exchange = str(options, 'exchange');
    const binds = list(options, 'bind');
    const count = intOption(options, 'count', '--count', { min: 1 });
    const exec = str(options, 'exec');
    const maxRedeliveries = intOption(options, 'maxRedeliveries', '--max-redeliveries', { min: 1 });
    const failures = new FailedRuns();
    const noAck = options.ack === false;
    let prefetch = intOption(options, 'prefetch', '--prefetch', { min: 1, max: 65535 }) ?? (exec !== undefined ? 1 : 100);
    const idleMs = secondsOption(options, 'idleTimeout', '--idle-timeout');
    if (queueArg === undefined && exchange === undefined)
      throw new CliError(ExitCode.USAGE, 'give a queue, or --exchange (with --bind) to consume through a temporary queue');
    if (binds.length && exchange === undefined) throw new CliError(ExitCode.USAGE, '--bind needs --exchange');
    const how = printOptions(ctx, options);
    // --no-ack with --count: acknowledge on receipt with a prefetch window instead, so nothing beyond
    // --count is taken from the queue and lost
    const ackOnReceipt = noAck && count !== undefined;
    if (count !== undefined) prefetch = Math.min(prefetch, count);

    const conn = await openConnection(ctx, options, 'consume');
    let handled = 0;
    let failure: unknown;
    let reason: 'count' | 'idle' | 'signal' | 'cancelled' | 'error' | undefined;
    const removeSignals = onStopSignal(() => finish('signal'));
    let wake: (() => void) | undefined;
    const stopped = new Promise<void>((resolve) => (wake = resolve));
    function finish(why: typeof reason, err?: unknown): void {
      if (reason !== undefined) return;
      reason = why;
      failure = err;
      wake?.();
    }
    let idleTimer: NodeJS.Timeout | undefined;
    const armIdle = (): void => {
      if (idleMs === undefined) return;
      if (idleTimer) clearTimeout(idleTimer);
      idleTimer = setTimeout(() => finish('idle'), idleMs);
    };

    try {
      // deliveries are handled one at a time, in order, each acked on the channel that delivered it
      const backlog: { msg: ConsumeMessage; ch: Channel }[] = [];
      let busy = false;
      let channel: Channel | undefined;
      let queue = queueArg ?? '';
      let consumerTag: string | undefined;
      let cancelled: Promise<unknown> | undefined;
      let reconnecting: Promise<void> | undefined;
      const cancel = (): Promise<unknown> => {
        const ch = channel;
        if (ch && consumerTag !== undefined) cancelled ??= ch.cancel(consumerTag).catch(() => {});
        return cancelled ?? Promise.resolve();
      };
      const pump = async (): Promise<void> => {
        if (busy) return;
        busy = true;
        try {
          while (backlog.length && reason === undefined) {
            const { msg, ch } = backlog.shift() as { msg: ConsumeMessage; ch: Channel };
            // after a failover the old channel is gone: its messages are redelivered on the new one
            if (ch !== channel) continue;
            // the last one wanted: cancel before its ack, so the broker sends nothing more
            if (count !== undefined && handled + 1 >= count) cancel();
            if (ackOnReceipt) ch.ack(msg);
            if (exec !== undefined) {
              const result = await runCommand(exec, msg.content, messageEnv(msg), false);
              if (!noAck && ch === channel) {
                if (result.code === 0) {
                  failures.forget(msg);
                  ch.ack(msg);
                } else {
                  const n = failures.failed(msg);
                  if (maxRedeliveries !== undefined && n >= maxRedeliveries) {
                    failures.forget(msg);
                    ch.nack(msg, false, false);
                    ctx.out.banner(
                      `command exited with ${result.code}, ${n} failed runs: message rejected (dead-lettered if the queue has a dead-letter exchange)`,
                    );
                  } else {
                    // back off before the message comes back, so a poison message does not spin
                    await new Promise((r) => setTimeout(r, failures.backoffMs(n)));
                    if (ch === channel) ch.nack(msg, false, true);
                    ctx.out.banner(
                      `command exited with ${result.code}: message requeued (failed run ${n}${maxRedeliveries !== undefined ? ` of at most ${maxRedeliveries}` : ''})`,
                    );
                  }
                }
              }
            } else {
              await printMessage(ctx, msg, how);
              if (!noAck && ch === channel) ch.ack(msg);
            }
            handled++;
            if (count !== undefined && handled >= count) finish('count');
          }
        } catch (e) {
          finish('error', e);
        } finally {
          busy = false;
        }
      };

      // several nodes: when the connection is lost (its node stopped), consume again through another node;
      // what was not acknowledged is redelivered by the cluster (possibly a second time)
      const lost = (err: CliError): void => {
        if (conn.nodes < 2 || reason !== undefined) {
          finish('error', err);
          return;
        }
        reconnecting ??= (async () => {
          ctx.out.banner(
            `lost the connection to ${conn.describe} (${err.message}); consuming through another node, unacknowledged messages will be redelivered`,
          );
          channel = undefined;
          await conn.failover();
          await open();
        })().then(
          () => (reconnecting = undefined),
          (e: unknown) => finish('error', e),
        );
      };

      const open = async (): Promise<void> => {
        const model = conn.model;
        let ch: Channel;
        try {
          ch = await model.createChannel();
        } catch (e) {
          throw await conn.failure(e);
        }
        channel = ch;
        cancelled = undefined;
        consumerTag = undefined;
        ch.on('error', (e: unknown) => ch === channel && finish('error', amqpFailure(e)));
        // a channel closes before its connection reports why: give the connection's reason the first word
        ch.on('close', () =>
          setImmediate(
            () => ch === channel && model === conn.model && !reconnecting && finish('error', new CliError(ExitCode.UNAVAILABLE, 'the AMQP channel closed')),
          ),
        );
        model.on('error', (e: unknown) => model === conn.model && lost(amqpFailure(e)));
        model.on(
          'close',
          (e?: unknown) =>
            model === conn.model && lost(e ? amqpFailure(e) : new CliError(ExitCode.UNAVAILABLE, `the AMQP connection to ${conn.describe} closed`)),
        );
        try {
          if (!noAck || ackOnReceipt) await ch.prefetch(prefetch);
          if (exchange !== undefined) {
            if (queueArg === undefined) queue = (await ch.assertQueue('', { exclusive: true, autoDelete: true })).queue;
            for (const pattern of binds.length ? binds : ['#']) await ch.bindQueue(queue, exchange, pattern);
          }
        } catch (e) {
          // (a close the broker started gives its reason, not amqplib's 'Channel ended')
          throw await conn.failure(e);
        }
        // the banner comes before the first message (a delivery may be printed before consume() resolves)
        ctx.out.banner(
          `Consuming from queue '${queue}'${exchange !== undefined ? ` bound to exchange '${exchange}'` : ''} on ${conn.describe}; Ctrl-C to stop`,
        );
        try {
          consumerTag = (
            await ch.consume(
              queue,
              (msg) => {
                if (msg === null) {
                  finish('cancelled');
                  return;
                }
                armIdle();
                backlog.push({ msg, ch });
                void pump();
              },
              { noAck: noAck && !ackOnReceipt },
            )
          ).consumerTag;
        } catch (e) {
          throw await conn.failure(e);
        }
      };

      await open();
      armIdle();
      await stopped;
      if (idleTimer) clearTimeout(idleTimer);
      // cancel first, then let the message in hand finish; the rest go back when the channel closes
      await cancel();
      while (busy) await new Promise((r) => setTimeout(r, 5));
      await channel?.close().catch(() => {});
    } finally {
      removeSignals();
      if (idleTimer) clearTimeout(idleTimer);
      await conn.close();
    }
    if (reason === 'error') throw failure instanceof Error ? failure : amqpFailure(failure);
    if (reason === 'cancelled') throw new CliError(ExitCode.UNAVAILABLE, 'the broker cancelled the consumer (was the queue deleted?)');
    if (reason === 'idle' && count !== undefined && handled < count) {
      throw new CliError(ExitCode.TEMP_FAIL, `got ${handled} of ${count} messages before --idle-timeout`);
    }
  },
});
