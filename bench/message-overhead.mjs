// Measures what one held message costs in memory beyond its content bytes (MESSAGE_OVERHEAD in
// src/broker/message.ts): N messages held in a queue, heap and array buffers compared before and
// after. Two kinds: one with decoded properties and buffers of its own (a message with headers, or
// one made by the broker), and one built as a publish without headers builds it (properties not
// decoded, content one string), each in a process of its own.
// Run: node --expose-gc bench/message-overhead.mjs [N] [decoded|published]
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
const kind = process.argv[3] ?? 'decoded';
if (kind === 'decoded') {
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
} else {
  // As the channel makes a small message published without headers (ContentAssembler + Message.published).
  const q2 = new Queue('overhead-lazy', '/', { durable: false, exclusiveOwner: null, autoDelete: false, arguments: {} });
  const lazyProps = { deliveryMode: 1, headers: {} };
  const lazyHeader = contentHeaderPayload(body.length, lazyProps);
  const flags = lazyHeader.readUInt16BE(12);
  const before2 = measure();
  for (let i = 0; i < N; i++) {
    body[0] = i & 0xff; // (a string of its own per message, as each publish makes)
    const text = Buffer.concat([lazyHeader, body]).toString('latin1');
    const c = {
      properties: null,
      scan: { flags, deliveryMode: 1 },
      text,
      content: Buffer.alloc(0),
      headerStart: 0,
      bodyStart: lazyHeader.length,
      size: body.length,
    };
    q2.enqueue(Message.published('', 'overhead-lazy', c, Date.now()));
  }
  const after2 = measure();
  const perLazy = (after2 - before2) / N;
  const lazyContent = lazyHeader.length + body.length;
  console.log(
    `${N} messages of ${body.length} bytes published without headers (header ${lazyHeader.length}): ${perLazy.toFixed(0)} bytes each, ${(perLazy - lazyContent).toFixed(0)} beyond content`,
  );
  if (q2.messageCount !== N) throw new Error('messages were not held');
}
void broker;
