import type { GetMessage } from 'amqplib';
import { defineCommand } from '../src/cli/command.js';
import { CliError, ExitCode } from '../src/cli/exit-codes.js';
import { CONNECTION_OPTIONS, openConnection } from '../src/cli/messaging/connection.js';
import { OUTPUT_OPTIONS, printMessage, printOptions } from '../src/cli/messaging/message-output.js';
import { intOption } from '../src/cli/messaging/properties.js';

export default defineCommand({
  name: 'get',
  aliases: [],
  group: 'messaging',
  summary: 'Fetch one message (or --count N) from a queue with basic.get; exit 2 when the queue is empty (as amqp-get)',
  description:
    'Prints each body (raw, or one JSON object per line with --formatter json, including message_count: the messages left). By default the messages are acknowledged (removed); --requeue puts them all back once fetched. Fewer than --count messages is not an error; none at all exits 2.',
  arguments: [{ name: 'queue', description: 'the queue to fetch from', required: true, complete: 'queues' }],
  options: [
    { flags: '-c, --count <n>', description: 'fetch up to this many messages', defaultValue: '1' },
    { flags: '--ack', description: 'acknowledge (remove) the fetched messages (the default)' },
    { flags: '--requeue', description: 'put the fetched messages back in the queue, in their order, once all are fetched' },
    ...OUTPUT_OPTIONS,
    ...CONNECTION_OPTIONS,
  ],
  async run(ctx, [queue], options) {
    const name = queue as string;
    const count = intOption(options, 'count', '--count', { min: 1 }) ?? 1;
    if (options.ack === true && options.requeue === true) throw new CliError(ExitCode.USAGE, '--ack and --requeue exclude each other');
    const requeue = options.requeue === true;
    const how = printOptions(ctx, options);
    const conn = await openConnection(ctx, options, 'get');
    let got = 0;
    try {
      const ch = await conn.model.createChannel().catch(async (e: unknown) => {
        throw await conn.failure(e);
      });
      ch.on('error', () => {});
      let last: GetMessage | undefined;
      for (let i = 0; i < count; i++) {
        let msg: GetMessage | false;
        try {
          msg = await ch.get(name, { noAck: false });
        } catch (e) {
          throw await conn.failure(e);
        }
        if (msg === false) break;
        got++;
        last = msg;
        await printMessage(ctx, msg, how);
        if (!requeue) ch.ack(msg);
      }
      if (requeue && last) ch.nack(last, true, true);
      await ch.close().catch(() => {});
    } finally {
      await conn.close();
    }
    if (got === 0) {
      ctx.out.banner(`queue '${name}' is empty`);
      return ExitCode.EMPTY;
    }
  },
});
