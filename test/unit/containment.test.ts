// Issue 10.1: a failure on a timer path (here: message expiry dead-lettering a message whose
// properties cannot be encoded) is logged with the queue it belongs to and contained: the queue
// keeps expiring and dead-lettering the messages behind it, and nothing reaches the event loop
// (vitest fails a run on any uncaught exception). Real broker objects and real timers; the failing
// input is a value no client can send (a decimal whose value does not fit 32 bits).
import { afterEach, describe, expect, it } from 'vitest';
import { contentHeaderPayload, Decimal, type BasicProperties } from '../../src/amqp/index.js';
import { Broker } from '../../src/broker/broker.js';
import { setFaultSink } from '../../src/broker/faults.js';
import { Message } from '../../src/broker/message.js';
import { waitFor } from '../helpers/wait.js';

afterEach(() => setFaultSink((line) => process.stderr.write(`${line}\n`)));

function message(routingKey: string, properties: BasicProperties, body: string): Message {
  const b = Buffer.from(body);
  // the header bytes as a client would have sent them (without the unencodable value)
  return new Message('', routingKey, properties, contentHeaderPayload(b.length, {}), b);
}

describe('containment of timer-path failures', () => {
  it('an expiry whose dead-lettering throws is logged for its queue; later messages still expire and dead-letter', async () => {
    const faults: string[] = [];
    setFaultSink((line) => faults.push(line));
    const broker = new Broker();
    const vhost = broker.vhosts.get('/')!;
    const dead = vhost.declareQueue({ name: 'dead', passive: false, durable: false, exclusiveOwner: null, autoDelete: false, arguments: {} }, 'c1');
    const ttl = vhost.declareQueue(
      {
        name: 'ttl',
        passive: false,
        durable: false,
        exclusiveOwner: null,
        autoDelete: false,
        arguments: { 'x-message-ttl': 10, 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': 'dead' },
      },
      'c1',
    );
    const direct = vhost.exchange('');
    vhost.publish(direct, message('ttl', { headers: { bad: new Decimal(0, 2 ** 40) } }, 'unencodable'));
    vhost.publish(direct, message('ttl', { headers: { fine: 1 } }, 'ok'));
    await waitFor(() => ttl.messageCount === 0 && dead.messageCount === 1, 'both messages to expire');
    expect(faults).toHaveLength(1);
    expect(faults[0]).toMatch(
      /^queue 'ttl' in vhost '\/': dead-lettering a message to exchange '' \(the copy is dropped\) failed \(RangeError: .*\).*; contained$/,
    );
    const copy = dead.take(false)!;
    expect(copy.message.body.toString()).toBe('ok');
    // the queue still works afterwards
    vhost.publish(direct, message('ttl', {}, 'later'));
    await waitFor(() => dead.messageCount === 1, 'a later message to expire');
    expect(faults).toHaveLength(1);
  });
});
