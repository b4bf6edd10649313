// Tutorial 6, "RPC": answer requests on 'rpc_queue' with fib(n), to the request's reply_to,
// tagged with its correlation_id.
// Run: node dist/examples/rpc_server.js
import amqp from 'amqplib';
import { AMQP_URL } from './amqp-url.js';

function fib(n: number): number {
  let [a, b] = [0, 1];
  for (let i = 0; i < n; i++) [a, b] = [b, a + b];
  return a;
}

const connection = await amqp.connect(AMQP_URL);
const channel = await connection.createChannel();
const queue = 'rpc_queue';
await channel.assertQueue(queue, { durable: false });
await channel.prefetch(1);
console.log(' [x] Awaiting RPC requests');
await channel.consume(queue, (msg) => {
  if (!msg) return;
  const n = Number.parseInt(msg.content.toString(), 10);
  console.log(` [.] fib(${n})`);
  channel.sendToQueue(msg.properties.replyTo as string, Buffer.from(String(fib(n))), { correlationId: msg.properties.correlationId as string });
  channel.ack(msg);
});
process.once('SIGINT', () => void connection.close().then(() => process.exit(0)));
process.once('SIGTERM', () => void connection.close().then(() => process.exit(0)));
