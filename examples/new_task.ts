// Tutorial 2, "Work queues": send a persistent task to the durable queue 'task_queue'.
// Each '.' in the message is one second of work for the worker.
// Run: node dist/examples/new_task.js "A task with three seconds of work..."
import amqp from 'amqplib';
import { AMQP_URL } from './amqp-url.js';

const connection = await amqp.connect(AMQP_URL);
const channel = await connection.createConfirmChannel();
const queue = 'task_queue';
const message = process.argv.slice(2).join(' ') || 'Hello World!';
await channel.assertQueue(queue, { durable: true });
channel.sendToQueue(queue, Buffer.from(message), { persistent: true });
await channel.waitForConfirms();
console.log(` [x] Sent '${message}'`);
await connection.close();
