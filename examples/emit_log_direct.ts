// Tutorial 4, "Routing": publish a log line with its severity as the routing key.
// Run: node dist/examples/emit_log_direct.js error "Run. Run. Or it will explode."
import amqp from 'amqplib';
import { AMQP_URL } from './amqp-url.js';

const connection = await amqp.connect(AMQP_URL);
const channel = await connection.createConfirmChannel();
const exchange = 'direct_logs';
const severity = process.argv[2] ?? 'info';
const message = process.argv.slice(3).join(' ') || 'Hello World!';
await channel.assertExchange(exchange, 'direct', { durable: false });
channel.publish(exchange, severity, Buffer.from(message));
await channel.waitForConfirms();
console.log(` [x] Sent ${severity}: '${message}'`);
await connection.close();
