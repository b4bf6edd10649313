// The list_queues columns scripts use (issue 15): head_message_timestamp, message bytes, messages_ram, type,
// consumer_utilisation, on both targets.
import amqp from 'amqplib';
import { describe, expect, it } from 'vitest';
import { eventually, parseTsv, uniqueName } from './ctl.js';
import { MESSAGING_TARGETS } from './messaging-helpers.js';
import { useTestVhost } from './vhost-suite.js';

for (const spec of MESSAGING_TARGETS) {
  describe.skipIf(spec.skip)(`list_queues columns against ${spec.name}`, { timeout: 120_000 }, () => {
    const vhost = uniqueName('ctl-cols');
    const suite = useTestVhost(spec, vhost);
    const ctl = (words: readonly string[]) => suite.ctl(words);

    it('head_message_timestamp is the timestamp of the message at the head; bytes and counts as RabbitMQ has them', async () => {
      const c = await amqp.connect(suite.amqpUrl());
      try {
        const ch = await c.createConfirmChannel();
        await ch.assertQueue('stamped', { durable: false });
        await ch.assertQueue('plain', { durable: false });
        ch.sendToQueue('stamped', Buffer.from('first'), { timestamp: 1700000000 });
        ch.sendToQueue('stamped', Buffer.from('second!'), { timestamp: 1800000000 });
        ch.sendToQueue('plain', Buffer.from('x'));
        await ch.waitForConfirms();
      } finally {
        await c.close();
      }
      const rows = await eventually(async () => {
        const r = await ctl([
          '-q',
          '-p',
          vhost,
          'list_queues',
          'name',
          'head_message_timestamp',
          'messages',
          'message_bytes',
          'message_bytes_ready',
          'message_bytes_unacknowledged',
          'messages_ram',
          'type',
        ]);
        expect(r.code, r.stderr).toBe(0);
        const parsed = parseTsv(r.stdout).sort((a, b) => String(a.name).localeCompare(String(b.name)));
        expect(parsed.map((q) => q.messages)).toEqual(['1', '2']);
        expect(parsed.map((q) => q.message_bytes)).toEqual(['1', '12']);
        return parsed;
      }, suite.target.statsLagMs);
      expect(rows).toEqual([
        {
          name: 'plain',
          head_message_timestamp: '',
          messages: '1',
          message_bytes: '1',
          message_bytes_ready: '1',
          message_bytes_unacknowledged: '0',
          messages_ram: '1',
          type: 'classic',
        },
        {
          name: 'stamped',
          head_message_timestamp: '1700000000',
          messages: '2',
          message_bytes: '12',
          message_bytes_ready: '12',
          message_bytes_unacknowledged: '0',
          messages_ram: '2',
          type: 'classic',
        },
      ]);
    });
  });
}
