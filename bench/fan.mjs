#!/usr/bin/env node
// Many-client AMQP benchmarks, beyond what one amqplib producer can show:
//   queues:  P producers and C consumers on Q queues (default 4/4/4), each producer on its own queue
//   fanout:  one producer into a fanout exchange bound to Q queues (default 50), one consumer per queue
// Producers and consumers run in child processes (consumers grouped so 50 of them do not need 50
// processes). Each message carries its send time (process.hrtime, monotonic across processes on
// one machine), so consumers measure latency.
//
// usage (from the project root, which has amqplib):
//   node bench/fan.mjs URL queues|fanout [messages=100000] [size=100] [mode=plain|confirm|persistent]
// Prints one JSON line. With BROKER_PID it also reports broker CPU µs per published and per
// delivered message (user+system from /proc).
// Environment: FAN_PRODUCERS, FAN_QUEUES, FAN_CONSUMER_PROCS, FAN_PREFETCH.
import { fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const amqp = createRequire(process.cwd() + '/')('amqplib');
const self = fileURLToPath(import.meta.url);
const role = process.env.FAN_ROLE;

if (role === 'producer') await producer();
else if (role === 'consumer') await consumer();
else if (process.argv[1] === self) {
  const [url, kind = 'queues', n = '100000', size = '100', mode = 'plain'] = process.argv.slice(2);
  if (!url) {
    process.stderr.write('usage: node bench/fan.mjs URL queues|fanout [messages] [size] [mode]\n');
    process.exit(64);
  }
  console.log(JSON.stringify(await runFan({ url, kind, messages: Number(n), size: Number(size), mode, brokerPid: process.env.BROKER_PID })));
}

/**
 * Runs one benchmark and returns { kind, mode, messages, deliveries, publish_rate, end_to_end_rate,
 * delivery_rate, latency_ms, broker_cpu_us_per_msg, broker_cpu_us_per_delivery }.
 */
export async function runFan({ url, kind, messages, size = 100, mode = 'plain', brokerPid = null }) {
  const fanout = kind === 'fanout';
  const producers = fanout ? 1 : Number(process.env.FAN_PRODUCERS ?? 4);
  const queues = Number(process.env.FAN_QUEUES ?? (fanout ? 50 : 4));
  const consumerProcs = Math.min(queues, Number(process.env.FAN_CONSUMER_PROCS ?? (fanout ? 5 : 4)));
  const durable = mode === 'persistent';
  const tag = `fan-${process.pid}-${Date.now()}`;
  const conn = await amqp.connect(url);
  const ch = await conn.createChannel();
  const names = Array.from({ length: queues }, (_, i) => `${tag}-q${i}`);
  const exchange = fanout ? `${tag}-x` : '';
  if (fanout) await ch.assertExchange(exchange, 'fanout', { durable, autoDelete: false });
  for (const q of names) {
    await ch.assertQueue(q, { durable, autoDelete: false });
    if (fanout) await ch.bindQueue(q, exchange, '');
  }
  const perProducer = Math.floor(messages / producers);
  const published = perProducer * producers;
  // each queue receives everything in fanout, one producer's share otherwise
  const perQueue = fanout ? published : perProducer;
  const deliveries = perQueue * queues;
  const common = { FAN_URL: url, FAN_SIZE: String(size), FAN_MODE: mode, FAN_PREFETCH: process.env.FAN_PREFETCH ?? '1000' };
  const consumers = [];
  for (let p = 0; p < consumerProcs; p++) {
    const mine = names.filter((_, i) => i % consumerProcs === p);
    const child = fork(self, [], { env: { ...process.env, ...common, FAN_ROLE: 'consumer', FAN_QUEUES_LIST: mine.join(','), FAN_EXPECT: String(perQueue) } });
    await new Promise((r, j) => child.once('message', r).once('exit', (c) => j(new Error(`consumer exited ${c}`))));
    consumers.push(
      new Promise((r, j) => {
        child.on('message', (m) => m.done && r(m));
        // ('close', not 'exit': it comes after the last message through the pipe has been read)
        child.on('close', (c) => j(new Error(`consumer exited ${c} before it was done`)));
      }),
    );
  }
  // (awaited after the producers; a consumer failing meanwhile is reported then, not as an unhandled rejection)
  const allDone = Promise.all(consumers);
  allDone.catch(() => {});
  const cpu0 = cpuSeconds(brokerPid);
  const t0 = process.hrtime.bigint();
  const prods = [];
  for (let p = 0; p < producers; p++) {
    const child = fork(self, [], {
      env: {
        ...process.env,
        ...common,
        FAN_ROLE: 'producer',
        FAN_EXCHANGE: exchange,
        FAN_KEY: fanout ? '' : names[p % queues],
        FAN_COUNT: String(perProducer),
      },
    });
    prods.push(
      new Promise((r, j) => {
        child.on('message', r);
        child.on('close', (c) => j(new Error(`producer exited ${c} before it was done`)));
      }),
    );
  }
  const pubs = await Promise.all(prods);
  const done = await allDone;
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu1 = cpuSeconds(brokerPid);
  for (const q of names) await ch.deleteQueue(q);
  if (fanout) await ch.deleteExchange(exchange);
  await conn.close();
  const lat = done.flatMap((d) => d.lat);
  lat.sort((a, b) => a - b);
  const pct = (x) => +(lat[Math.min(lat.length - 1, Math.floor(lat.length * x))] / 1e6).toFixed(2);
  const pubSecs = Math.max(...pubs.map((p) => p.secs));
  const out = {
    kind,
    mode,
    producers,
    queues,
    messages: published,
    deliveries,
    publish_rate: Math.round(published / pubSecs),
    end_to_end_rate: Math.round(published / secs),
    delivery_rate: Math.round(deliveries / secs),
    latency_ms: { p50: pct(0.5), p99: pct(0.99), max: pct(1) },
  };
  if (cpu0 !== null && cpu1 !== null) {
    out.broker_cpu_us_per_msg = +(((cpu1 - cpu0) / published) * 1e6).toFixed(1);
    out.broker_cpu_us_per_delivery = +(((cpu1 - cpu0) / deliveries) * 1e6).toFixed(2);
  }
  return out;
}

async function producer() {
  const env = process.env;
  const conn = await amqp.connect(env.FAN_URL);
  const ch = await conn.createConfirmChannel();
  const body = Buffer.alloc(Number(env.FAN_SIZE), 120);
  const n = Number(env.FAN_COUNT);
  const mode = env.FAN_MODE;
  const opts = { persistent: mode === 'persistent' };
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    body.writeBigUInt64LE(process.hrtime.bigint(), 0);
    const ok = ch.publish(env.FAN_EXCHANGE, env.FAN_KEY, Buffer.from(body), opts);
    if (mode !== 'plain' && i % 500 === 499) await ch.waitForConfirms();
    else if (!ok || i % 256 === 0) await new Promise((r) => setImmediate(r));
  }
  await ch.waitForConfirms();
  await sendToParent({ secs: Number(process.hrtime.bigint() - t0) / 1e9 });
  await conn.close();
  process.exit(0);
}

async function consumer() {
  const env = process.env;
  const conn = await amqp.connect(env.FAN_URL);
  const expect = Number(env.FAN_EXPECT);
  const queues = env.FAN_QUEUES_LIST.split(',');
  const lat = [];
  let finished = 0;
  for (const q of queues) {
    const ch = await conn.createChannel();
    await ch.prefetch(Number(env.FAN_PREFETCH));
    let got = 0;
    await ch.consume(q, (m) => {
      if (!m) return;
      // sample latency (every message for few queues, fewer for many) to keep the consumer light
      if (queues.length <= 2 || got % 10 === 0) lat.push(Number(process.hrtime.bigint()) - Number(m.content.readBigUInt64LE(0)));
      ch.ack(m);
      if (++got === expect && ++finished === queues.length) {
        // (a large latency list takes a while through the pipe: exit only once it is handed over)
        sendToParent({ done: true, lat })
          .then(() => conn.close())
          .then(() => process.exit(0));
      }
    });
  }
  process.send({ ready: true });
}

/** process.send, resolved once the message has been written to the pipe (an exit before that loses it). */
function sendToParent(message) {
  return new Promise((resolve, reject) => process.send(message, (err) => (err ? reject(err) : resolve())));
}

function cpuSeconds(pid) {
  if (!pid) return null;
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
