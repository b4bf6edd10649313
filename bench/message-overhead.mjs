// Measures what one held message costs in memory beyond its content bytes (MESSAGE_OVERHEAD in
// src/broker/message.ts): N messages built as a publish builds them, held in a queue, heap and
// array buffers compared before and after. Run: node --expose-gc bench/message-overhead.mjs
import { Broker } from '../dist/src/broker/broker.js';
import { Message, ownContent } from '../dist/src/broker/message.js';
import { contentHeaderPayload, decodeBasicProperties, Reader } from '../dist/src/amqp/index.js';

const N = Number(process.argv[2] ?? 200_000);
const broker = new Broker();
const props = { contentType: 'text/plain', deliveryMode: 1 };
const body = Buffer.alloc(100, 1);
const headerTemplate = contentHeaderPayload(body.length, props);
const { Queue } = await import('../dist/src/broker/queue.js');
const q = new Queue('overhead', '/', { durable: false, exclusiveOwner: null, autoDelete: false, arguments: {} });
const measure = () => {
  globalThis.gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};
const before = measure();
for (let i = 0; i < N; i++) {
  const owned = ownContent(headerTemplate, body);
  const properties = decodeBasicProperties(new Reader().reset(owned.header, 12, owned.header.length));
  q.enqueue(new Message('', 'overhead', properties, owned.header, owned.body));
}
const after = measure();
const perMessage = (after - before) / N;
const content = headerTemplate.length + body.length;
console.log(
  `${N} messages of ${body.length} bytes (header ${headerTemplate.length}): ${perMessage.toFixed(0)} bytes each, ${(perMessage - content).toFixed(0)} beyond content`,
);
if (q.messageCount !== N) throw new Error('messages were not held');
void broker;
