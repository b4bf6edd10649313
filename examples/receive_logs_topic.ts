// Tutorial 5, "Topics": receive by binding patterns; '*' is exactly one word, '#' zero or more.
// Run: node dist/examples/receive_logs_topic.js "kern.*" "*.critical"
import amqp from 'amqplib';
import { AMQP_URL } from './amqp-url.js';

const patterns = process.argv.slice(2);
if (patterns.length === 0) {
  console.error('Usage: receive_logs_topic.js <facility>.<severity> ...');
  process.exit(64);
}
const connection = await amqp.connect(AMQP_URL);
const channel = await connection.createChannel();
const exchange = 'topic_logs';
await channel.assertExchange(exchange, 'topic', { durable: false });
const { queue } = await channel.assertQueue('', { exclusive: true });
for (const pattern of patterns) await channel.bindQueue(queue, exchange, pattern);
console.log(' [*] Waiting for logs. To exit press CTRL+C');
await channel.consume(
  queue,
  (msg) => {
    if (msg) console.log(` [x] ${msg.fields.routingKey}: '${msg.content.toString()}'`);
  },
  { noAck: true },
);
process.once('SIGINT', () => void connection.close().then(() => process.exit(0)));
process.once('SIGTERM', () => void connection.close().then(() => process.exit(0)));
