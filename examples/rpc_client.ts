// Tutorial 6, "RPC": call fib(n) on the RPC server and wait for the matching reply.
// Replies come over RabbitMQ's direct reply-to (amq.rabbitmq.reply-to), so no reply queue is needed.
// Run: node dist/examples/rpc_client.js 30
import { randomUUID } from 'node:crypto';
import amqp from 'amqplib';
import { AMQP_URL } from './amqp-url.js';

const n = Number.parseInt(process.argv[2] ?? '30', 10);
const connection = await amqp.connect(AMQP_URL);
const channel = await connection.createChannel();
const correlationId = randomUUID();
const reply = new Promise<string>((resolve) => {
  void channel.consume(
    'amq.rabbitmq.reply-to',
    (msg) => {
      if (msg && msg.properties.correlationId === correlationId) resolve(msg.content.toString());
    },
    { noAck: true },
  );
});
console.log(` [x] Requesting fib(${n})`);
channel.sendToQueue('rpc_queue', Buffer.from(String(n)), { correlationId, replyTo: 'amq.rabbitmq.reply-to' });
console.log(` [.] Got ${await reply}`);
await connection.close();
