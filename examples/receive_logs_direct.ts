// Tutorial 4, "Routing": receive the log lines of the severities given on the command line.
// Run: node dist/examples/receive_logs_direct.js warning error
import amqp from 'amqplib';
import { AMQP_URL } from './amqp-url.js';

const severities = process.argv.slice(2);
if (severities.length === 0) {
  console.error('Usage: receive_logs_direct.js [info] [warning] [error]');
  process.exit(64);
}
const connection = await amqp.connect(AMQP_URL);
const channel = await connection.createChannel();
const exchange = 'direct_logs';
await channel.assertExchange(exchange, 'direct', { durable: false });
const { queue } = await channel.assertQueue('', { exclusive: true });
for (const severity of severities) await channel.bindQueue(queue, exchange, severity);
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
