// Tutorial 2, "Work queues": take tasks one at a time (prefetch 1, fair dispatch), "work" one
// second per '.', and acknowledge each when done, so a killed worker's task goes to another.
// Run: node dist/examples/worker.js   (start several)
import amqp from 'amqplib';
import { AMQP_URL } from './amqp-url.js';

const connection = await amqp.connect(AMQP_URL);
const channel = await connection.createChannel();
const queue = 'task_queue';
await channel.assertQueue(queue, { durable: true });
await channel.prefetch(1);
console.log(' [*] Waiting for messages. To exit press CTRL+C');
await channel.consume(queue, (msg) => {
  if (!msg) return;
  const body = msg.content.toString();
  console.log(` [x] Received '${body}'`);
  const seconds = body.split('.').length - 1;
  setTimeout(() => {
    console.log(' [x] Done');
    channel.ack(msg);
  }, seconds * 1000);
});
process.once('SIGINT', () => void connection.close().then(() => process.exit(0)));
process.once('SIGTERM', () => void connection.close().then(() => process.exit(0)));
