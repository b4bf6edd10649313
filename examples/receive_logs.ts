// Tutorial 3, "Publish/Subscribe": a server-named exclusive queue bound to 'logs' gets every line.
// Run: node dist/examples/receive_logs.js
import amqp from 'amqplib';
import { AMQP_URL } from './amqp-url.js';

const connection = await amqp.connect(AMQP_URL);
const channel = await connection.createChannel();
const exchange = 'logs';
await channel.assertExchange(exchange, 'fanout', { durable: false });
const { queue } = await channel.assertQueue('', { exclusive: true });
await channel.bindQueue(queue, exchange, '');
console.log(' [*] Waiting for logs. To exit press CTRL+C');
await channel.consume(
  queue,
  (msg) => {
    if (msg) console.log(` [x] '${msg.content.toString()}'`);
  },
  { noAck: true },
);
process.once('SIGINT', () => void connection.close().then(() => process.exit(0)));
process.once('SIGTERM', () => void connection.close().then(() => process.exit(0)));
