// npm run screenshots DIR: starts a warren-server with sample traffic (a temporary data directory,
// free ports), opens every page of the management UI in headless Chromium (Debian's chromium,
// driven by playwright-core) logged in as guest, and writes one PNG per page to DIR.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import amqp from 'amqplib';
import { chromium } from 'playwright-core';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = process.argv[2];
if (!dir) {
  process.stderr.write('usage: npm run screenshots DIR\n');
  process.exit(64);
}
const out = resolve(dir);
mkdirSync(out, { recursive: true });
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (!existsSync(CHROMIUM)) {
  process.stderr.write(`error: ${CHROMIUM} not found; install Debian's chromium (apt-get install chromium) or set CHROMIUM_PATH\n`);
  process.exit(69);
}
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const data = mkdtempSync(join(tmpdir(), 'warren-screens-'));
const server = spawn(
  process.execPath,
  [
    join(root, 'bin/warren-server'),
    '--port',
    '0',
    '--bind',
    '127.0.0.1',
    '--api-port',
    '0',
    '--metrics-port',
    '0',
    '--stats-interval',
    '1000',
    '--data-dir',
    data,
  ],
  { stdio: ['ignore', 'pipe', 'pipe'] },
);
let log = '';
server.stdout.on('data', (d) => (log += d));
server.stderr.on('data', (d) => (log += d));
const started = Date.now();
while (!/AMQP listener on \S+:(\d+)/.test(log)) {
  if (server.exitCode !== null || Date.now() - started > 30_000) {
    process.stderr.write(`error: warren-server did not start:\n${log}`);
    process.exit(69);
  }
  await new Promise((r) => setTimeout(r, 50));
}
const amqpPort = Number(/AMQP listener on \S+:(\d+)/.exec(log)[1]);
const ui = /web UI on (\S+)/.exec(log)[1];

// Sample traffic: a few queues and exchanges, a steady publisher and a consumer.
const conn = await amqp.connect(`amqp://guest:guest@127.0.0.1:${amqpPort}`, { clientProperties: { connection_name: 'sample publisher' } });
const ch = await conn.createConfirmChannel();
await ch.assertExchange('orders', 'topic', { durable: true });
for (const [q, key] of [
  ['orders.eu', 'orders.eu.*'],
  ['orders.us', 'orders.us.*'],
  ['audit', '#'],
]) {
  await ch.assertQueue(q, { durable: true, arguments: q === 'audit' ? { 'x-max-length': 5000 } : {} });
  await ch.bindQueue(q, 'orders', key);
}
for (let i = 0; i < 20; i++) await ch.assertQueue(`work.${String(i).padStart(2, '0')}`, { durable: false });
const consumerConn = await amqp.connect(`amqp://guest:guest@127.0.0.1:${amqpPort}`, { clientProperties: { connection_name: 'sample consumer' } });
const cch = await consumerConn.createChannel();
await cch.prefetch(50);
await cch.consume('orders.eu', (m) => m && cch.ack(m));
let n = 0;
const timer = setInterval(() => {
  for (let i = 0; i < 40; i++, n++)
    ch.publish('orders', n % 2 ? `orders.eu.${n}` : `orders.us.${n}`, Buffer.from(JSON.stringify({ order: n, amount: (n * 7) % 100 })), {
      persistent: true,
      contentType: 'application/json',
    });
}, 100);

const pages = [
  ['overview', '#/'],
  ['connections', '#/connections'],
  ['connection', null],
  ['channels', '#/channels'],
  ['exchanges', '#/exchanges'],
  ['exchange', '#/exchanges/%2F/orders'],
  ['queues', '#/queues'],
  ['queue', '#/queues/%2F/orders.us'],
  ['admin-users', '#/admin/users'],
  ['admin-user', '#/admin/users/guest'],
  ['admin-vhosts', '#/admin/vhosts'],
  ['admin-permissions', '#/admin/permissions'],
  ['admin-topic-permissions', '#/admin/topic-permissions'],
  ['admin-policies', '#/admin/policies'],
  ['admin-limits', '#/admin/limits'],
  ['definitions', '#/definitions'],
];

const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
try {
  const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
  await page.goto(ui);
  await page.screenshot({ path: join(out, '00-login.png') });
  await page.fill('input[name=username]', 'guest');
  await page.fill('input[name=password]', 'guest');
  await page.click('button[type=submit]');
  await page.waitForSelector('header nav');
  // Let the charts gather some samples (one a second) of the traffic.
  await page.waitForTimeout(Number(process.env.SCREENSHOT_WARMUP_MS ?? 20_000));
  let i = 1;
  for (const [name, hash] of pages) {
    let target = hash;
    if (target === null) {
      const res = await (await fetch(`${ui}api/connections`, { headers: { authorization: `Basic ${Buffer.from('guest:guest').toString('base64')}` } })).json();
      target = `#/connections/${encodeURIComponent(res[0].name)}`;
    }
    await page.goto(`${ui}${target}`);
    await page.waitForSelector('main h2');
    await page.waitForLoadState('networkidle').catch(() => undefined);
    await page.waitForTimeout(300);
    const file = join(out, `${String(i++).padStart(2, '0')}-${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
    process.stdout.write(`${file}\n`);
  }
} finally {
  clearInterval(timer);
  await browser.close();
  await conn.close().catch(() => undefined);
  await consumerConn.close().catch(() => undefined);
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));
  rmSync(data, { recursive: true, force: true });
}
