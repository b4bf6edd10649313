import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { defineCommand } from '../src/cli/command.js';
import { CliError, ExitCode } from '../src/cli/exit-codes.js';
import { CONNECTION_OPTIONS, openConnection } from '../src/cli/messaging/connection.js';
import { amqpFailure } from '../src/cli/messaging/errors.js';
import { Progress } from '../src/cli/messaging/progress.js';
import { intOption, PROPERTY_OPTIONS, publishOptions, str } from '../src/cli/messaging/properties.js';
import { Publisher } from '../src/cli/messaging/publisher.js';

export default defineCommand({
  name: 'publish',
  aliases: [],
  group: 'messaging',
  summary: 'Publish a message (argument, --file or stdin), one per input line with --lines, or --count copies; waits for publisher confirms',
  description:
    'Publishes over AMQP on a confirm channel and exits 0 only when the broker has confirmed every message: a nack exits 75, an unroutable message with --mandatory exits 65. Without a body argument or --file the body is read from standard input.',
  arguments: [{ name: 'body', description: 'the message body (default: --file, else standard input)', required: false }],
  options: [
    { flags: '-e, --exchange <name>', description: 'exchange to publish to (default: the default exchange "")' },
    { flags: '-r, --routing-key <key>', description: 'routing key (with the default exchange: the queue name)' },
    { flags: '-f, --file <path>', description: 'read the body (or the lines, with --lines) from this file' },
    { flags: '-l, --lines', description: 'publish one message per input line (without its newline), as amqp-publish -l' },
    { flags: '--mandatory', description: 'ask the broker to return unroutable messages; any return exits 65' },
    { flags: '-c, --count <n>', description: 'publish the body this many times (load generation)' },
    { flags: '--rate <n>', description: 'at most this many messages per second' },
    ...PROPERTY_OPTIONS,
    ...CONNECTION_OPTIONS,
  ],
  async run(ctx, [body], options) {
    const exchange = str(options, 'exchange') ?? '';
    const routingKey = str(options, 'routingKey') ?? '';
    const file = str(options, 'file');
    const lines = options.lines === true;
    const count = intOption(options, 'count', '--count', { min: 1 });
    const rate = intOption(options, 'rate', '--rate', { min: 1 });
    const props = publishOptions(options);
    // always mandatory on the wire: an unroutable message is then reported (a warning, or exit 65 with --mandatory)
    const mandatory = options.mandatory === true;
    props.mandatory = true;
    if (body !== undefined && file !== undefined) throw new CliError(ExitCode.USAGE, 'give the body as an argument or with --file, not both');
    if (lines && body !== undefined) throw new CliError(ExitCode.USAGE, '--lines reads standard input or --file; it takes no body argument');
    if (lines && count !== undefined) throw new CliError(ExitCode.USAGE, '--lines and --count do not go together');
    if (!lines && body === undefined && file === undefined && ctx.io.stdin.isTTY === true) {
      throw new CliError(ExitCode.USAGE, 'no message body: give it as an argument, with --file, or on standard input');
    }

    // read a single body before connecting, so input errors exit 65 without touching the broker
    let payload: Buffer | undefined;
    if (!lines) {
      try {
        payload = body !== undefined ? Buffer.from(body, 'utf8') : file !== undefined ? await readFile(file) : await readAll(ctx.io.stdin);
      } catch (e) {
        throw new CliError(ExitCode.DATA_ERROR, `cannot read ${file ?? 'standard input'}: ${(e as Error).message}`);
      }
    }

    const conn = await openConnection(ctx, options, 'publish');
    const total = lines ? undefined : (count ?? 1);
    const progress = new Progress(
      ctx.io.stderr,
      total,
      ctx.io.stderr.isTTY === true && !ctx.globals.quiet && !ctx.globals.silent && (lines || (count ?? 1) > 1),
    );
    const started = Date.now();
    let publisher: Publisher | undefined;
    let blockTimer: NodeJS.Timeout | undefined;
    try {
      let ch;
      try {
        ch = await conn.model.createConfirmChannel();
      } catch (e) {
        throw await conn.failure(e);
      }
      ch.on('error', () => {});
      // several nodes: when this node stops, go on on another and re-send what it had not confirmed
      const failover =
        conn.nodes > 1
          ? {
              reconnect: async () => {
                await conn.failover();
                ctx.out.banner(`publishing through ${conn.describe} now`);
                return conn.model.createConfirmChannel().catch(async (e: unknown) => Promise.reject(await conn.failure(e)));
              },
              onFailover: (unconfirmed: number) =>
                ctx.out.banner(
                  `lost the connection to ${conn.describe}; re-sending ${unconfirmed} unconfirmed message${unconfirmed === 1 ? '' : 's'} through another node`,
                ),
            }
          : {};
      const pub = (publisher = new Publisher(ch, undefined, failover));
      // connection.blocked: say so on stderr; with --timeout, give up (75) when it lasts longer
      conn.model.on('blocked', (reason: string) => {
        ctx.io.stderr.write(`${progress.enabled ? '\n' : ''}blocked by the broker: ${reason}\n`);
        progress.blocked = reason;
        progress.update(pub.published, true);
        const limit = ctx.timeoutMs;
        if (limit !== undefined && blockTimer === undefined) {
          blockTimer = setTimeout(() => {
            pub.abort(new CliError(ExitCode.TEMP_FAIL, `blocked by the broker (${reason}) for longer than the ${limit / 1000} s timeout`));
            // a blocked broker reads nothing, not even connection.close: drop the socket
            (conn.model as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
          }, limit);
        }
      });
      conn.model.on('unblocked', () => {
        clearTimeout(blockTimer);
        blockTimer = undefined;
        progress.blocked = null;
        ctx.io.stderr.write(`${progress.enabled ? '\n' : ''}unblocked by the broker\n`);
      });
      const pace = rate === undefined ? undefined : (n: number) => started + (n * 1000) / rate - Date.now();
      const send = async (content: Buffer): Promise<void> => {
        if (pace) {
          const wait = pace(pub.published);
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        }
        const waiting = pub.publish(exchange, routingKey, content, props);
        if (waiting) await waiting;
        if ((pub.published & 1023) === 0) progress.update(pub.published);
      };
      if (lines) {
        let input: NodeJS.ReadableStream;
        try {
          input = file !== undefined ? await openFile(file) : ctx.io.stdin;
        } catch (e) {
          throw new CliError(ExitCode.DATA_ERROR, `cannot read ${file}: ${(e as Error).message}`);
        }
        await publishLines(input, pub, exchange, routingKey, props, send, rate !== undefined, () => progress.update(pub.published));
      } else {
        const content = payload as Buffer;
        for (let i = 0; i < (count ?? 1); i++) await send(content);
      }
      await pub.finish(mandatory);
      progress.finish(pub.published);
    } catch (e) {
      // a channel that closed because the connection did: why the connection did (a broker's 320, a reset)
      const why = e instanceof CliError && e.exitCode === ExitCode.UNAVAILABLE ? await conn.closeReason() : undefined;
      throw interrupted(why ?? e, publisher);
    } finally {
      clearTimeout(blockTimer);
      await conn.close();
    }
    const secs = (Date.now() - started) / 1000;
    const n = publisher?.published ?? 0;
    if (lines || (count ?? 1) > 1) {
      ctx.out.banner(
        `Published ${n} message${n === 1 ? '' : 's'} to exchange '${exchange}' with routing key '${routingKey}' in ${secs.toFixed(2)} s (${Math.round(n / Math.max(secs, 0.001))} msg/s)`,
      );
    }
    if (publisher && publisher.returned > 0 && !mandatory) {
      // stderr, also with --quiet: without --mandatory the message is dropped, so say so (exit 0 as the broker did)
      ctx.io.stderr.write(
        `warning: ${publisher.unroutableText()}; ${publisher.returned === 1 ? 'it was' : 'they were'} dropped (--mandatory makes this exit 65)\n`,
      );
    }
    if (publisher && publisher.failovers > 0) {
      // stderr, also with --quiet: a script must learn that duplicates are possible
      ctx.io.stderr.write(
        `warning: ${publisher.failovers} failover${publisher.failovers === 1 ? '' : 's'} to another node; ${publisher.resent} message${publisher.resent === 1 ? ' was' : 's were'} re-sent (unconfirmed when the node stopped: the queue may hold duplicates of them)\n`,
      );
    }
  },
});

/** A publish cut short (connection closed, channel error) says how many messages the broker had confirmed. */
function interrupted(e: unknown, publisher: Publisher | undefined): unknown {
  if (!publisher || publisher.published === 0) return e;
  const err = amqpFailure(e);
  if (err.exitCode === ExitCode.DATA_ERROR && publisher.returned > 0) return err;
  const { acked, published } = publisher;
  return new CliError(
    err.exitCode,
    `${err.message}; ${acked} of ${published} message${published === 1 ? ' was' : 's were'} confirmed before that (publish the rest from message ${acked + 1} on)`,
  );
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks);
}

function openFile(path: string): Promise<NodeJS.ReadableStream> {
  return new Promise((resolve, reject) => {
    const s = createReadStream(path, { highWaterMark: 256 * 1024 });
    s.once('open', () => resolve(s));
    s.once('error', reject);
  });
}

/** One message per line; the fast path publishes straight from the chunk without awaiting. */
async function publishLines(
  input: NodeJS.ReadableStream,
  pub: Publisher,
  exchange: string,
  routingKey: string,
  props: ReturnType<typeof publishOptions>,
  send: (content: Buffer) => Promise<void>,
  paced: boolean,
  tick: () => void,
): Promise<void> {
  let carry: Buffer | undefined;
  const NL = 0x0a;
  for await (const raw of input) {
    let chunk = typeof raw === 'string' ? Buffer.from(raw) : (raw as Buffer);
    if (carry) {
      chunk = Buffer.concat([carry, chunk]);
      carry = undefined;
    }
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(NL, start);
      if (nl === -1) break;
      const line = chunk.subarray(start, nl);
      start = nl + 1;
      if (paced) await send(line);
      else {
        const waiting = pub.publish(exchange, routingKey, line, props);
        if (waiting) await waiting;
      }
    }
    if (start < chunk.length) carry = Buffer.from(chunk.subarray(start));
    tick();
  }
  // a last line without a newline is a message too
  if (carry && carry.length > 0) await send(carry);
}
