// Server-side paging, sorting and name filtering of /api/queues as RabbitMQ's API does it
// (page, page_size, name, use_regex, sort, sort_reverse, columns), with a few thousand queues.
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWarren, type Warren } from '../helpers/warren.js';
import { call } from './api-http.js';

const N = 3000;
const GUEST = { user: 'guest', password: 'guest' };

describe(`paged queue lists against warren (${N} queues)`, () => {
  let w: Warren;
  let get: (path: string) => Promise<any>;
  beforeAll(async () => {
    w = await startWarren();
    const u = new URL(w.apiUrl!);
    get = async (path) => {
      const r = await call({ host: u.hostname, port: Number(u.port) }, 'GET', path, { auth: GUEST });
      if (r.status !== 200) throw new Error(`${path}: ${r.status} ${r.text}`);
      return r.body;
    };
    // noDelay: one declare at a time, so no Nagle/delayed-ACK pause between them
    const conn = await amqp.connect(w.url, { noDelay: true });
    const ch = await conn.createChannel();
    for (let i = 0; i < N; i++) {
      await ch.assertQueue(`page.${String(i).padStart(4, '0')}`, { durable: false });
      // queue i holds i % 7 messages
      for (let m = 0; m < i % 7; m++) ch.sendToQueue(`page.${String(i).padStart(4, '0')}`, Buffer.from('x'));
    }
    await ch.checkQueue('page.0000'); // every publish before it has been routed
    await conn.close();
  }, 120_000);
  afterAll(async () => {
    await w.stop();
  });

  it("pages with counts in RabbitMQ's shape", async () => {
    const p = await get('/api/queues?page=2&page_size=100');
    expect(p).toMatchObject({ page: 2, page_size: 100, page_count: N / 100, item_count: 100, filtered_count: N, total_count: N });
    expect(p.items[0].name).toBe('page.0100');
    expect(p.items[99].name).toBe('page.0199');
    expect(p.items[0]).toHaveProperty('message_stats');
    const last = await get(`/api/queues?page=${N / 100}&page_size=100`);
    expect(last.items[99].name).toBe(`page.${N - 1}`);
    const r = await call({ host: new URL(w.apiUrl!).hostname, port: Number(new URL(w.apiUrl!).port) }, 'GET', `/api/queues?page=${N / 100 + 1}&page_size=100`, {
      auth: GUEST,
    });
    expect(r.status).toBe(400);
  });

  it('filters by name, plain or as a regular expression, before paging', async () => {
    const plain = await get('/api/queues?page=1&page_size=500&name=page.29');
    expect(plain.filtered_count).toBe(100);
    expect(plain.total_count).toBe(N);
    const re = await get('/api/queues?page=1&page_size=500&use_regex=true&name=' + encodeURIComponent('^page\\.1\\d\\d5$'));
    expect(re.filtered_count).toBe(100);
    expect(re.items.every((q: { name: string }) => /^page\.1\d\d5$/.test(q.name))).toBe(true);
  });

  it('sorts by a field, reversed, and by a rate, across all pages', async () => {
    const most = await get('/api/queues?page=1&page_size=100&sort=messages&sort_reverse=true&columns=name,messages');
    expect(most.items.every((q: { messages: number }) => q.messages === 6)).toBe(true);
    expect(Object.keys(most.items[0]).sort()).toEqual(['messages', 'name']);
    const fewest = await get('/api/queues?page=1&page_size=100&sort=messages_ready&columns=name,messages_ready');
    expect(fewest.items.every((q: { messages_ready: number }) => q.messages_ready === 0)).toBe(true);
    const byRate = await get('/api/queues?page=1&page_size=10&sort=message_stats.publish_details.rate&sort_reverse=true&columns=name');
    expect(byRate.items).toHaveLength(10);
    const byName = await get('/api/queues?page=1&page_size=5&sort=name&sort_reverse=true&columns=name');
    expect(byName.items.map((q: { name: string }) => q.name)).toEqual([2999, 2998, 2997, 2996, 2995].map((i) => `page.${i}`));
    // a key only the formatted queue has still sorts
    const byMemory = await get('/api/queues?page=1&page_size=3&sort=memory&sort_reverse=true&columns=name,memory');
    expect(byMemory.items[0].memory).toBeGreaterThanOrEqual(byMemory.items[2].memory);
  });
});
