// Tutorial 1, "Hello World": print every message arriving on the queue 'hello'.
// Run: node dist/examples/receive.js   (Ctrl-C to stop)
import amqp from 'amqplib';
import { AMQP_URL } from './amqp-url.js';

const connection = await amqp.connect(AMQP_URL);
const channel = await connection.createChannel();
const queue = 'hello';
await channel.assertQueue(queue, { durable: false });
console.log(' [*] Waiting for messages. To exit press CTRL+C');
await channel.consume(
  queue,
  (msg) => {
    if (msg) console.log(` [x] Received '${msg.content.toString()}'`);
  },
  { noAck: true },
);
process.once('SIGINT', () => void connection.close().then(() => process.exit(0)));
process.once('SIGTERM', () => void connection.close().then(() => process.exit(0)));
