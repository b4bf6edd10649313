// Message rates in RabbitMQ's shape (message_stats, *_details with rate / samples / avg_rate,
// messages_details, rates_mode) over the management listener, against warren.
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWarren, type Warren } from '../helpers/warren.js';
import { waitFor } from '../helpers/wait.js';
import { call } from './api-http.js';

const GUEST = { user: 'guest', password: 'guest' };
const STATS_INTERVAL_MS = 200;

function api(w: Warren) {
  const u = new URL(w.apiUrl!);
  const t = { host: u.hostname, port: Number(u.port) };
  return async (path: string) => {
    const r = await call(t, 'GET', path, { auth: GUEST });
    if (r.status !== 200) throw new Error(`GET ${path}: ${r.status} ${r.text}`);
    return r.body;
  };
}

describe('message rates against warren (--stats-interval 200)', () => {
  let w: Warren;
  let get: ReturnType<typeof api>;
  beforeAll(async () => {
    w = await startWarren({ args: ['--stats-interval', String(STATS_INTERVAL_MS)] });
    get = api(w);
  });
  afterAll(async () => {
    await w.stop();
  });

  it('counts publishes, confirms, deliveries, gets, acks, redeliveries and unroutables per object', async () => {
    const conn = await amqp.connect(w.url);
    const ch = await conn.createConfirmChannel();
    await ch.assertQueue('rates-q', { durable: false });
    await ch.assertExchange('rates-x', 'direct', { durable: false });
    await ch.bindQueue('rates-q', 'rates-x', 'k');
    expect(await ch.get('rates-q')).toBe(false); // get-empty
    const N = 40;
    for (let i = 0; i < N; i++) ch.publish('rates-x', 'k', Buffer.from(`m${i}`));
    ch.publish('rates-x', 'nowhere', Buffer.from('returned'), { mandatory: true });
    ch.publish('rates-x', 'nowhere', Buffer.from('dropped'));
    await ch.waitForConfirms();

    // 10 by basic.get (manual ack), one nacked back and redelivered by a consumer, the rest consumed with acks.
    const gets: amqp.GetMessage[] = [];
    for (let i = 0; i < 10; i++) gets.push((await ch.get('rates-q', { noAck: false })) as amqp.GetMessage);
    for (const m of gets.slice(1)) ch.ack(m);
    ch.nack(gets[0]!, false, true);
    let consumed = 0;
    await ch.consume('rates-q', (m) => {
      if (m) {
        consumed++;
        ch.ack(m);
      }
    });
    await waitFor(() => consumed === N - 9, 'all messages consumed');
    const q = await waitFor(async () => {
      const body = await get('/api/queues/%2F/rates-q');
      return body.message_stats?.ack === N ? body : false;
    }, 'queue counters');
    expect(q.message_stats).toMatchObject({ publish: N, get: 10, deliver: N - 9, redeliver: 1, ack: N, deliver_get: N + 1 });
    expect(q.message_stats.publish_details).toHaveProperty('rate');
    expect(q.messages_details).toHaveProperty('rate');

    const x = await get('/api/exchanges/%2F/rates-x');
    expect(x.message_stats).toMatchObject({ publish_in: N + 2, publish_out: N });

    const chans = await get('/api/channels');
    expect(chans).toHaveLength(1);
    expect(chans[0].message_stats).toMatchObject({
      publish: N + 2,
      confirm: N + 2,
      return_unroutable: 1,
      drop_unroutable: 1,
      get: 10,
      get_empty: 1,
      deliver: N - 9,
      ack: N,
      redeliver: 1,
    });

    const conns = await get('/api/connections');
    expect(conns[0].message_stats).toMatchObject({ publish: N + 2, ack: N });
    expect(conns[0].recv_oct_details).toHaveProperty('rate');

    await conn.close();
    // Counts of closed channels stay with the vhost and the node.
    const o = await get('/api/overview');
    expect(o.rates_mode).toBe('basic');
    expect(o.message_stats).toMatchObject({
      publish: N + 2,
      confirm: N + 2,
      return_unroutable: 1,
      drop_unroutable: 1,
      get: 10,
      deliver: N - 9,
      ack: N,
      redeliver: 1,
    });
    expect(o.message_stats.deliver_get).toBe(N + 1);
    const v = await get('/api/vhosts/%2F');
    expect(v.message_stats).toMatchObject({ publish: N + 2, ack: N });
  });

  it('shows a rate while messages flow and 0 once they stop; samples cover msg_rates_age', async () => {
    const conn = await amqp.connect(w.url);
    const ch = await conn.createChannel();
    await ch.assertQueue('rates-pace', { durable: false });
    const before = (await get('/api/overview')).message_stats.publish ?? 0;
    let sent = 0;
    // One message every few ms until the API reports a publish rate above zero.
    const rate = await waitFor(async () => {
      for (let i = 0; i < 5; i++, sent++) ch.sendToQueue('rates-pace', Buffer.from('x'));
      await new Promise((r) => setTimeout(r, 10));
      const r = (await get('/api/queues/%2F/rates-pace')).message_stats?.publish_details?.rate ?? 0;
      return r > 0 ? r : false;
    }, 'a publish rate above zero');
    expect(rate).toBeGreaterThan(0);
    await waitFor(async () => (await get('/api/overview')).message_stats.publish === before + sent, 'all publishes counted');
    // Idle: the rate falls back to 0 within a few sample intervals.
    await waitFor(async () => (await get('/api/queues/%2F/rates-pace')).message_stats.publish_details.rate === 0, 'rate back to 0');

    const ageS = 2;
    const incrS = 0.5;
    // Samples sit on multiples of msg_rates_incr, so the newest shows every publish once one such instant has passed.
    const q = await waitFor(async () => {
      const body = await get(`/api/queues/%2F/rates-pace?msg_rates_age=${ageS}&msg_rates_incr=${incrS}&lengths_age=${ageS}&lengths_incr=${incrS}`);
      return body.message_stats.publish_details.samples[0].sample === sent && body.messages_details.samples[0].sample === sent ? body : false;
    }, 'the newest sample shows every publish');
    const d = q.message_stats.publish_details;
    expect(d.samples).toHaveLength(ageS / incrS + 1);
    for (let i = 1; i < d.samples.length; i++) {
      expect(d.samples[i - 1].timestamp - d.samples[i].timestamp).toBe(incrS * 1000);
      expect(d.samples[i - 1].sample).toBeGreaterThanOrEqual(d.samples[i].sample);
    }
    expect(typeof d.avg_rate).toBe('number');
    expect(typeof d.avg).toBe('number');
    expect(q.messages_details.samples[0].sample).toBe(sent);
    const o = await get(`/api/overview?msg_rates_age=60&msg_rates_incr=5&lengths_age=60&lengths_incr=5`);
    expect(o.message_stats.publish_details.samples).toHaveLength(13);
    expect(o.queue_totals.messages_details.samples).toHaveLength(13);
    await conn.close();
  });

  it('refuses malformed ranges with 400', async () => {
    const u = new URL(w.apiUrl!);
    const r = await call({ host: u.hostname, port: Number(u.port) }, 'GET', '/api/overview?msg_rates_age=abc&msg_rates_incr=5', { auth: GUEST });
    expect(r.status).toBe(400);
  });
});

describe('rates_mode none against warren (--rates-mode none)', () => {
  it('reports rates_mode none and counts without details', async () => {
    const w = await startWarren({ args: ['--rates-mode', 'none'] });
    try {
      const conn = await amqp.connect(w.url);
      const ch = await conn.createChannel();
      await ch.assertQueue('none-q');
      ch.sendToQueue('none-q', Buffer.from('x'));
      const get = api(w);
      const q = await waitFor(async () => {
        const body = await get('/api/queues/%2F/none-q');
        return body.message_stats?.publish === 1 ? body : false;
      }, 'publish counted');
      expect(q.message_stats.publish_details).toBeUndefined();
      expect((await get('/api/overview')).rates_mode).toBe('none');
      await conn.close();
    } finally {
      await w.stop();
    }
  });
});
