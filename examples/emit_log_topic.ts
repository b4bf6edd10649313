// Tutorial 5, "Topics": publish with a dotted routing key such as "kern.critical".
// Run: node dist/examples/emit_log_topic.js kern.critical "A critical kernel error"
import amqp from 'amqplib';
import { AMQP_URL } from './amqp-url.js';

const connection = await amqp.connect(AMQP_URL);
const channel = await connection.createConfirmChannel();
const exchange = 'topic_logs';
const key = process.argv[2] ?? 'anonymous.info';
const message = process.argv.slice(3).join(' ') || 'Hello World!';
await channel.assertExchange(exchange, 'topic', { durable: false });
channel.publish(exchange, key, Buffer.from(message));
await channel.waitForConfirms();
console.log(` [x] Sent ${key}: '${message}'`);
await connection.close();
