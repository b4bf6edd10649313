// Tutorial 3, "Publish/Subscribe": broadcast a log line on the fanout exchange 'logs'.
// Run: node dist/examples/emit_log.js "info: Hello World!"
import amqp from 'amqplib';
import { AMQP_URL } from './amqp-url.js';

const connection = await amqp.connect(AMQP_URL);
const channel = await connection.createConfirmChannel();
const exchange = 'logs';
const message = process.argv.slice(2).join(' ') || 'info: Hello World!';
await channel.assertExchange(exchange, 'fanout', { durable: false });
channel.publish(exchange, '', Buffer.from(message));
await channel.waitForConfirms();
console.log(` [x] Sent '${message}'`);
await connection.close();
