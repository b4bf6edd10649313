// Tutorial 1, "Hello World": send one message to the queue 'hello'.
// Run: node dist/examples/send.js [message]
import amqp from 'amqplib';
import { AMQP_URL } from './amqp-url.js';

const connection = await amqp.connect(AMQP_URL);
const channel = await connection.createConfirmChannel();
const queue = 'hello';
const message = process.argv[2] ?? 'Hello World!';
await channel.assertQueue(queue, { durable: false });
channel.sendToQueue(queue, Buffer.from(message));
await channel.waitForConfirms();
console.log(` [x] Sent '${message}'`);
await connection.close();
