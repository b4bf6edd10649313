import { describe, expect, it } from 'vitest';
import type { Binding } from '../../src/broker/binding.js';
import { createExchange } from '../../src/broker/exchange.js';
import { Message } from '../../src/broker/message.js';
import { Queue } from '../../src/broker/queue.js';
import { routeMessage } from '../../src/broker/routing.js';
import { Vhost } from '../../src/broker/vhost.js';
import type { FieldTable } from '../../src/amqp/index.js';
import { Targets } from '../../src/broker/targets.js';

const opts = { durable: false, autoDelete: false, internal: false, arguments: {} };
const queue = (name: string) => new Queue(name, '/', { durable: false, exclusiveOwner: null, autoDelete: false, arguments: {} });

function matches(type: 'topic' | 'headers' | 'direct' | 'fanout', bindKey: string, key: string, args: FieldTable = {}, headers?: FieldTable): boolean {
  const x = createExchange(type, 'x', '/', opts);
  x.bind(queue('q'), bindKey, args);
  const out = new Targets<Binding>();
  x.route(key, headers, out);
  return out.size === 1;
}

describe('topic exchange', () => {
  const cases: [string, string, boolean][] = [
    ['a.b.c', 'a.b.c', true],
    ['a.*.c', 'a.b.c', true],
    ['a.*.c', 'a.c', false],
    ['a.#', 'a', true], // '#' matches zero words
    ['a.#', 'a.b.c.d', true],
    ['#', '', true],
    ['#', 'anything.at.all', true],
    ['#.c', 'c', true],
    ['#.c', 'a.b.c', true],
    ['#.c', 'a.b.cd', false],
    ['*', 'a', true],
    ['*', 'a.b', false],
    ['*', '', false], // the empty key has no words (RabbitMQ; see test/integration/conformance-topic-table.ts)
    ['', '', true],
    ['', '.', false],
    ['a.#.z', 'a.z', true],
    ['a.#.z', 'a.b.c.z', true],
    ['a.#.z', 'a.b.c.y', false],
    ['*.orange.*', 'quick.orange.rabbit', true],
    ['*.*.rabbit', 'lazy.orange.elephant', false],
    ['lazy.#', 'lazy.brown.fox', true],
    ['*.orange.*', 'quick.orange.male.rabbit', false],
    ['#.#', 'a.b', true],
  ];
  for (const [pattern, key, expected] of cases) {
    it(`'${pattern}' ${expected ? 'matches' : 'does not match'} '${key}'`, () => {
      expect(matches('topic', pattern, key)).toBe(expected);
    });
  }

  it('routes a message once to a queue bound by several matching patterns, and unbinding prunes', () => {
    const x = createExchange('topic', 'x', '/', opts);
    const q = queue('q');
    x.bind(q, 'a.*', {});
    x.bind(q, 'a.#', {});
    const out = new Targets<Binding>();
    x.route('a.b', undefined, out);
    expect([...out].map((b) => b.destination)).toEqual([q, q]);
    x.unbind(q, 'a.*', {});
    x.unbind(q, 'a.#', {});
    out.clear();
    x.route('a.b', undefined, out);
    expect(out.size).toBe(0);
  });
});

describe('headers exchange', () => {
  it('x-match all needs every binding header, any needs one; x- keys are ignored', () => {
    const args = { 'x-match': 'all', format: 'pdf', type: 'report' };
    expect(matches('headers', '', '', args, { format: 'pdf', type: 'report', extra: 1 })).toBe(true);
    expect(matches('headers', '', '', args, { format: 'pdf' })).toBe(false);
    const any = { 'x-match': 'any', format: 'pdf', type: 'report' };
    expect(matches('headers', '', '', any, { format: 'zip', type: 'report' })).toBe(true);
    expect(matches('headers', '', '', any, { format: 'zip' })).toBe(false);
    expect(matches('headers', '', '', { format: 'pdf' }, { format: 'pdf' })).toBe(true); // default all
    expect(matches('headers', '', '', { 'x-match': 'any', 'x-k': 1 }, { 'x-k': 1 })).toBe(false);
    expect(matches('headers', '', '', { 'x-match': 'any-with-x', 'x-k': 1 }, { 'x-k': 1 })).toBe(true);
    expect(matches('headers', '', '', { present: null }, { present: 'whatever' })).toBe(true);
  });
});

describe('vhost routing', () => {
  it('follows exchange-to-exchange bindings without looping', () => {
    const v = new Vhost('/');
    const a = v.declareExchange({ name: 'a', type: 'fanout', passive: false, ...opts });
    const b = v.declareExchange({ name: 'b', type: 'direct', passive: false, ...opts });
    const q = v.declareQueue({ name: 'q', passive: false, durable: false, exclusiveOwner: null, autoDelete: false, arguments: {} }, 'c1');
    v.bind(b, a, '', {});
    v.bind(a, b, 'loop', {});
    v.bind(q, b, 'k', {});
    const out = new Targets<Queue>();
    routeMessage(v, a, new Message('a', 'k', {}, Buffer.alloc(0), Buffer.alloc(0)), out);
    expect([...out]).toEqual([q]);
  });
});

describe('queue order', () => {
  it('puts requeued messages back in their original position', () => {
    const q = queue('q');
    for (let i = 0; i < 5; i++) q.enqueue(new Message('', 'q', {}, Buffer.alloc(0), Buffer.from(String(i))));
    const taken = [q.take(true)!, q.take(true)!, q.take(true)!];
    q.requeue(taken[2]!);
    q.requeue(taken[0]!);
    const order = [];
    for (let e = q.take(false); e; e = q.take(false)) order.push(`${e.message.body.toString()}${e.redelivered ? 'r' : ''}`);
    expect(order).toEqual(['0r', '2r', '3', '4']);
  });
});

describe('large queues', () => {
  it('purges hundreds of thousands of messages without spreading them into one call', () => {
    const q = queue('big');
    const body = Buffer.alloc(10);
    for (let i = 0; i < 300_000; i++) q.enqueue(new Message('', 'big', {}, Buffer.alloc(0), body));
    expect(q.purge()).toBe(300_000);
    expect(q.messageCount).toBe(0);
  });
});
