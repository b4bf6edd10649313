import type { ConfirmChannel, ConsumeMessage } from 'amqplib';
import { defineCommand } from '../src/cli/command.js';
import { CliError, ExitCode } from '../src/cli/exit-codes.js';
import { CONNECTION_OPTIONS, openConnection } from '../src/cli/messaging/connection.js';
import { amqpFailure } from '../src/cli/messaging/errors.js';
import { messageEnv, runCommand } from '../src/cli/messaging/exec.js';
import { intOption, str } from '../src/cli/messaging/properties.js';
import { onStopSignal } from '../src/cli/messaging/stop-signals.js';

export default defineCommand({
  name: 'rpc-serve',
  aliases: ['rpc_serve'],
  group: 'messaging',
  summary: 'Answer requests on a queue with the stdout of a command (prefetch 1): the server side of rpc-call',
  description:
    "Declares the queue if it does not exist (not durable), consumes it with prefetch 1 and, per request, runs `sh -c CMD` with the body on stdin (and WARREN_CORRELATION_ID etc. in the environment). Its stdout goes to the request's reply_to with the same correlation_id, then the request is acknowledged. When the command fails, the reply carries the header x-exit-status (rpc-call then exits 70). Start several for parallelism. Ctrl-C or SIGTERM stops after the request in hand.",
  arguments: [{ name: 'queue', description: 'the request queue', required: true, complete: 'queues' }],
  options: [
    { flags: '-x, --exec <command>', description: 'the command that answers each request (required)' },
    { flags: '-c, --count <n>', description: 'stop after answering this many requests' },
    { flags: '--durable', description: 'declare the request queue durable when it does not exist' },
    ...CONNECTION_OPTIONS,
  ],
  async run(ctx, [queue], options) {
    const name = queue as string;
    const exec = str(options, 'exec');
    if (exec === undefined) throw new CliError(ExitCode.USAGE, 'rpc-serve needs --exec COMMAND (its stdout is the reply)');
    const count = intOption(options, 'count', '--count', { min: 1 });
    const conn = await openConnection(ctx, options, 'rpc-serve');
    let served = 0;
    let failure: unknown;
    let stopping = false;
    let wake: () => void = () => {};
    const stopped = new Promise<void>((r) => (wake = r));
    const stop = (err?: unknown): void => {
      if (stopping) return;
      stopping = true;
      failure = err;
      wake();
    };
    const removeSignals = onStopSignal(() => stop());
    try {
      let ch: ConfirmChannel;
      try {
        await ensureQueue(conn.model, name, options.durable === true);
        ch = await conn.model.createConfirmChannel();
        await ch.prefetch(1);
      } catch (e) {
        throw await conn.failure(e);
      }
      ch.on('error', (e: unknown) => stop(amqpFailure(e)));
      // a close the broker started (320 CONNECTION_FORCED: close_connection, a node shutting down) gives its reason
      conn.model.on('close', (e?: unknown) => stop(e ? amqpFailure(e) : new CliError(ExitCode.UNAVAILABLE, `the AMQP connection to ${conn.describe} closed`)));
      let busy = false;
      const handle = async (msg: ConsumeMessage): Promise<void> => {
        busy = true;
        try {
          const result = await runCommand(exec, msg.content, messageEnv(msg), true);
          const replyTo = msg.properties.replyTo as string | undefined;
          if (result.code !== 0) ctx.out.banner(`command exited with ${result.code} for request ${String(msg.properties.correlationId ?? '')}`);
          if (replyTo) {
            const headers = result.code === 0 ? undefined : { 'x-exit-status': result.code };
            await new Promise<void>((resolve, reject) =>
              ch.publish('', replyTo, result.stdout, { correlationId: msg.properties.correlationId, ...(headers ? { headers } : {}) }, (err: unknown) =>
                err ? reject(err) : resolve(),
              ),
            );
          } else ctx.out.banner('request without reply_to: answered nobody');
          ch.ack(msg);
          served++;
          if (count !== undefined && served >= count) stop();
        } catch (e) {
          stop(e);
        } finally {
          busy = false;
        }
      };
      let tag: string;
      try {
        tag = (
          await ch.consume(name, (msg) => {
            if (msg === null) return stop(new CliError(ExitCode.UNAVAILABLE, `the broker cancelled the consumer of '${name}' (was the queue deleted?)`));
            if (stopping) return; // left unacknowledged: requeued when the channel closes
            void handle(msg);
          })
        ).consumerTag;
      } catch (e) {
        throw await conn.failure(e);
      }
      ctx.out.banner(`Serving requests on queue '${name}' on ${conn.describe}; Ctrl-C to stop`);
      await stopped;
      await ch.cancel(tag).catch(() => {});
      while (busy) await new Promise((r) => setTimeout(r, 5));
      await ch.close().catch(() => {});
    } finally {
      removeSignals();
      await conn.close();
    }
    if (failure !== undefined) throw failure instanceof CliError ? failure : amqpFailure(failure);
  },
});

/** Declares the queue only when it is missing, so an existing queue's arguments are never contradicted. */
async function ensureQueue(model: import('amqplib').ChannelModel, queue: string, durable: boolean): Promise<void> {
  const probe = await model.createChannel();
  probe.on('error', () => {});
  try {
    await probe.checkQueue(queue);
    await probe.close();
    return;
  } catch (e) {
    if ((e as { code?: number }).code !== 404) throw e;
  }
  const ch = await model.createChannel();
  ch.on('error', () => {});
  await ch.assertQueue(queue, { durable });
  await ch.close();
}
