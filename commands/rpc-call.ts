import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { ConfirmChannel, ConsumeMessage, Options } from 'amqplib';
import { defineCommand } from '../src/cli/command.js';
import { CliError, ExitCode } from '../src/cli/exit-codes.js';
import { CONNECTION_OPTIONS, openConnection, type Connection } from '../src/cli/messaging/connection.js';
import { amqpFailure } from '../src/cli/messaging/errors.js';
import { OUTPUT_OPTIONS, printMessage, printOptions } from '../src/cli/messaging/message-output.js';
import { PROPERTY_OPTIONS, publishOptions, str } from '../src/cli/messaging/properties.js';

const DIRECT_REPLY_TO = 'amq.rabbitmq.reply-to';
const DEFAULT_TIMEOUT_MS = 30_000;

export default defineCommand({
  name: 'rpc-call',
  aliases: ['rpc_call'],
  group: 'messaging',
  summary: 'Send a request (reply_to + a fresh correlation_id) and print the matching reply; -t/--timeout exits 75',
  description:
    "Uses direct reply-to (amq.rabbitmq.reply-to), else an exclusive reply queue. The request is published mandatory: with no queue to take it, exits 65 at once. With --lines, every input line is a separate request, all sent at once; the replies are printed in request order. A reply carrying the header x-exit-status (set by rpc-serve when its command failed) is printed and exits 70. Waits 30 s unless -t gives another limit; a connection closed meanwhile (close_connection, a node stopping) ends it at once with the broker's reason, exit 69.",
  arguments: [
    { name: 'queue', description: "routing key of the request: the server's queue with the default exchange", required: true, complete: 'queues' },
    { name: 'body', description: 'the request body (default: --file, else standard input)', required: false },
  ],
  options: [
    { flags: '-e, --exchange <name>', description: 'exchange to send the request to (default: the default exchange "")' },
    { flags: '-f, --file <path>', description: 'read the request body from this file' },
    { flags: '-l, --lines', description: 'one request per input line, sent concurrently; replies printed in order' },
    ...PROPERTY_OPTIONS.filter((o) => !o.flags.includes('--reply-to') && !o.flags.includes('--correlation-id')),
    ...OUTPUT_OPTIONS,
    ...CONNECTION_OPTIONS,
  ],
  async run(ctx, [queue, body], options) {
    const routingKey = queue as string;
    const exchange = str(options, 'exchange') ?? '';
    const file = str(options, 'file');
    const props = publishOptions(options);
    const how = printOptions(ctx, options);
    const timeoutMs = ctx.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (body !== undefined && file !== undefined) throw new CliError(ExitCode.USAGE, 'give the body as an argument or with --file, not both');
    let input: Buffer;
    try {
      input = body !== undefined ? Buffer.from(body, 'utf8') : file !== undefined ? await readFile(file) : await readAll(ctx.io.stdin);
    } catch (e) {
      throw new CliError(ExitCode.DATA_ERROR, `cannot read ${file ?? 'standard input'}: ${(e as Error).message}`);
    }
    let requests: Buffer[] = [input];
    if (options.lines === true) {
      if (body !== undefined) throw new CliError(ExitCode.USAGE, '--lines reads standard input or --file; it takes no body argument');
      const text = input.toString('utf8');
      requests = (text.endsWith('\n') ? text.slice(0, -1) : text)
        .split('\n')
        .filter((_line, _i, all) => all.length > 1 || all[0] !== '')
        .map((l) => Buffer.from(l, 'utf8'));
      if (!requests.length) return;
    }

    const conn = await openConnection(ctx, options, 'rpc-call');
    const ids: string[] = requests.map(() => randomUUID());
    const replies = new Map<string, ConsumeMessage>();
    let printed = 0;
    let failed: CliError | undefined;
    let done: (err?: unknown) => void = () => {};
    const finished = new Promise<void>((resolve, reject) => (done = (err) => (err ? reject(err) : resolve())));
    const timer = setTimeout(
      () =>
        done(
          new CliError(
            ExitCode.TEMP_FAIL,
            `no reply from '${routingKey}' within ${timeoutMs / 1000} s (${replies.size + printed} of ${requests.length} answered)`,
          ),
        ),
      timeoutMs,
    );
    try {
      const onReply = (msg: ConsumeMessage | null): void => {
        if (msg === null) return done(new CliError(ExitCode.UNAVAILABLE, 'the broker cancelled the reply consumer'));
        const id = msg.properties.correlationId as string | undefined;
        if (id === undefined || !ids.includes(id) || replies.has(id)) return; // stale or foreign reply
        replies.set(id, msg);
        void flush();
      };
      let flushing = false;
      const flush = async (): Promise<void> => {
        if (flushing) return;
        flushing = true;
        try {
          while (printed < ids.length && replies.has(ids[printed] as string)) {
            const msg = replies.get(ids[printed] as string) as ConsumeMessage;
            await printMessage(ctx, msg, how);
            const status = (msg.properties.headers as Record<string, unknown> | undefined)?.['x-exit-status'];
            if (status !== undefined && Number(status) !== 0) failed ??= new CliError(ExitCode.SOFTWARE, `the server's command exited with ${String(status)}`);
            printed++;
          }
          if (printed === ids.length) done();
        } catch (e) {
          done(e);
        } finally {
          flushing = false;
        }
      };
      const { channel, replyTo } = await replyChannel(conn, onReply);
      channel.on('error', (e: unknown) => done(amqpFailure(e)));
      // closed under it (the broker closed the connection, a node stopped, a reset): no reply can come now
      channel.on('close', () => {
        void conn
          .closeReason()
          .then((why) => done(why !== undefined ? amqpFailure(why) : new CliError(ExitCode.UNAVAILABLE, `the AMQP channel closed before the reply came`)));
      });
      channel.on('return', (m: ConsumeMessage) => {
        const f = m.fields as unknown as { exchange: string; routingKey: string; replyText: string };
        done(
          new CliError(
            ExitCode.DATA_ERROR,
            `the request was unroutable: no queue is bound to exchange '${f.exchange}' with routing key '${f.routingKey}' (${f.replyText}); is rpc-serve running?`,
          ),
        );
      });
      requests.forEach((content, i) => {
        const options: Options.Publish = { ...props, replyTo, correlationId: ids[i] as string, mandatory: true };
        channel.publish(exchange, routingKey, content, options, (err: unknown) => {
          if (err && (err as Error).message === 'message nacked') done(new CliError(ExitCode.TEMP_FAIL, 'the broker rejected (nacked) the request'));
        });
      });
      await finished;
    } finally {
      clearTimeout(timer);
      await conn.close();
    }
    if (failed) throw failed;
  },
});

/** Direct reply-to where the broker has it, else an exclusive server-named queue. */
async function replyChannel(conn: Connection, onReply: (msg: ConsumeMessage | null) => void): Promise<{ channel: ConfirmChannel; replyTo: string }> {
  const model = conn.model;
  const open = (): Promise<ConfirmChannel> =>
    model.createConfirmChannel().catch(async (e: unknown) => {
      throw await conn.failure(e);
    });
  let channel = await open();
  channel.on('error', () => {});
  try {
    await channel.consume(DIRECT_REPLY_TO, onReply, { noAck: true });
    return { channel, replyTo: DIRECT_REPLY_TO };
  } catch {
    channel = await open();
    channel.on('error', () => {});
    try {
      const q = await channel.assertQueue('', { exclusive: true, autoDelete: true });
      await channel.consume(q.queue, onReply, { noAck: true });
      return { channel, replyTo: q.queue };
    } catch (e) {
      throw await conn.failure(e);
    }
  }
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks);
}
