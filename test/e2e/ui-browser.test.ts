// The management UI in a real headless Chromium (Debian's chromium, driven by playwright-core):
// log in as guest, see the overview chart move after publishing, create a queue, publish to it
// from the exchange page, get the message back on the queue page, create a user with a tag and log
// in as that user, see an API error shown on the page, log out. Screenshots of every page go to
// test-results/ui/.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import amqp from 'amqplib';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot, startWarren, type Warren } from '../helpers/warren.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const SHOTS = join(projectRoot, 'test-results', 'ui');
const WAIT = { timeout: 60_000 };
const have = existsSync(CHROMIUM);
if (!have) console.warn(`[ui] ${CHROMIUM} not found: skipping the browser tests (apt-get install chromium; .ci/run installs it)`);

describe.skipIf(!have)('management UI in headless Chromium against warren', () => {
  let w: Warren;
  let browser: Browser;
  let page: Page;
  let shot = 0;
  const snap = async (name: string): Promise<void> => {
    // Full-page shots from the top, so the sticky header stays where a user sees it.
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: join(SHOTS, `${String(++shot).padStart(2, '0')}-${name}.png`), fullPage: true });
  };
  const go = async (hash: string): Promise<void> => {
    await page.goto(`${w.apiUrl}${hash}`);
    await page.waitForSelector('main h2', WAIT);
  };
  const login = async (user: string, password: string): Promise<void> => {
    await page.fill('input[name=username]', user);
    await page.fill('input[name=password]', password);
    await page.click('form.login button[type=submit]');
  };

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    w = await startWarren({ args: ['--stats-interval', '250'] });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(60_000);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await w?.stop();
  });

  it('logs in as guest and shows the overview with a moving chart after publishing', async () => {
    await page.goto(w.apiUrl!);
    await page.waitForSelector('form.login', WAIT);
    await snap('login');
    await login('guest', 'guest');
    await page.waitForSelector('header nav', WAIT);
    await expect(page.textContent('header .user')).resolves.toContain('guest');
    const conn = await amqp.connect(w.url);
    const ch = await conn.createChannel();
    await ch.assertQueue('ui-traffic');
    const timer = setInterval(() => {
      for (let i = 0; i < 20; i++) ch.sendToQueue('ui-traffic', Buffer.from('tick'));
    }, 50);
    try {
      // The message-rate chart of the overview gets a non-zero point (it refreshes by itself).
      await page.waitForFunction(() => Number(document.querySelector('.chart [data-max]')?.getAttribute('data-max') ?? 0) > 0, null, WAIT);
      await page.waitForFunction(() => /Publish [1-9]/.test(document.querySelector('.chart-head')?.textContent ?? ''), null, WAIT);
    } finally {
      clearInterval(timer);
    }
    await expect(page.textContent('.cards')).resolves.toMatch(/Connections/);
    await snap('overview');
    await conn.close();
  });

  it('creates a queue, publishes to it from the exchange page and gets the message back', async () => {
    await go('#/queues');
    await page.click('summary:has-text("Add a new queue")');
    await page.fill('form[aria-label="add queue"] input[name=name]', 'ui-created');
    // the argument hints come from the argument table (src/amqp/queue-arguments.ts), typed from it
    await page.click('form[aria-label="add queue"] .hints button:has-text("x-queue-type")');
    await page.locator('form[aria-label="add queue"] input[aria-label="Arguments value"]').first().fill('classic');
    await page.click('form[aria-label="add queue"] .hints button:has-text("x-max-priority")');
    await page.locator('form[aria-label="add queue"] input[aria-label="Arguments value"]').nth(1).fill('5');
    await page.click('form[aria-label="add queue"] button[type=submit]');
    await page.waitForSelector("text=Queue 'ui-created' added.", WAIT);
    const args = await page.evaluate(async () => {
      const r = await fetch('/api/queues/%2F/ui-created', { headers: { authorization: `Basic ${btoa('guest:guest')}` } });
      return ((await r.json()) as { arguments: unknown }).arguments;
    });
    expect(args).toEqual({ 'x-queue-type': 'classic', 'x-max-priority': 5 });
    await page.waitForSelector('table.list a:has-text("ui-created")', WAIT);
    await snap('queues');

    await go('#/exchanges/%2F/amq.default');
    await page.fill('form[aria-label="publish message"] input[name=routing_key]', 'ui-created');
    await page.fill('form[aria-label="publish message"] textarea[name=payload]', 'hello from the browser');
    await page.click('form[aria-label="publish message"] button[type=submit]');
    await page.waitForSelector('text=Message published.', WAIT);
    await snap('exchange-publish');

    await go('#/queues/%2F/ui-created');
    await page.waitForFunction(() => document.querySelector('.cards .card .big')?.textContent === '1', null, WAIT);
    await page.click('form[aria-label="get messages"] button[type=submit]');
    await page.waitForSelector('pre.payload:has-text("hello from the browser")', WAIT);
    await snap('queue-get');
  });

  it('lists connections, channels and exchanges, and the admin and definitions pages', async () => {
    const conn = await amqp.connect(w.url);
    const ch = await conn.createConfirmChannel();
    for (const [hash, name, text] of [
      ['#/connections', 'connections', '127.0.0.1'],
      ['#/channels', 'channels', 'confirm'],
      ['#/exchanges', 'exchanges', 'amq.topic'],
      ['#/admin/users', 'admin-users', 'guest'],
      ['#/admin/vhosts', 'admin-vhosts', 'Virtual hosts'],
      ['#/admin/permissions', 'admin-permissions', '.*'],
      ['#/admin/topic-permissions', 'admin-topic-permissions', 'Topic permissions'],
      ['#/admin/policies', 'admin-policies', 'Policies'],
      ['#/admin/limits', 'admin-limits', 'Memory high watermark'],
      ['#/definitions', 'definitions', 'Download definitions'],
    ] as const) {
      await go(hash);
      await page.waitForSelector(`main :text("${text}")`, WAIT);
      await snap(name);
    }
    const connName = await page.evaluate(async () => {
      const r = await fetch('/api/connections', { headers: { authorization: `Basic ${btoa('guest:guest')}` } });
      return ((await r.json()) as { name: string }[])[0]!.name;
    });
    await go(`#/connections/${encodeURIComponent(connName)}`);
    await page.waitForSelector('text=Client properties', WAIT);
    await snap('connection');
    await go(`#/channels/${encodeURIComponent(`${connName} (1)`)}`);
    await page.waitForSelector('text=Unconfirmed', WAIT);
    await snap('channel');
    await ch.close();
    await conn.close();
  });

  it('creates a user with a tag, logs in as that user, shows API errors on the page, and logs out', async () => {
    await go('#/admin/users');
    const form = 'form[aria-label="add user"]';
    await page.fill(`${form} input[name=username]`, 'ui-watcher');
    await page.fill(`${form} input[name=password]`, 'watch-pw');
    await page.click(`${form} button.link:has-text("monitoring")`);
    await page.click(`${form} button[type=submit]`);
    await page.waitForSelector("text=User 'ui-watcher' added.", WAIT);
    await page.waitForSelector('table.list a:has-text("ui-watcher")', WAIT);

    await page.click('header button:has-text("Log out")');
    await page.waitForSelector('form.login', WAIT);
    // A wrong password is said in plain words.
    await login('ui-watcher', 'wrong');
    await page.waitForSelector('form.login .error:has-text("Login failed")', WAIT);
    await login('ui-watcher', 'watch-pw');
    await page.waitForSelector('header nav', WAIT);
    await expect(page.textContent('header .user')).resolves.toContain('ui-watcher (monitoring)');
    await go('#/');
    await page.waitForSelector('text=Node', WAIT);
    await snap('overview-monitoring');

    // Monitoring users may not list users: the API's 401 is shown, not swallowed.
    await go('#/admin/users');
    await page.waitForSelector('main .error:has-text("Not allowed")', WAIT);
    await snap('api-error');
    // ... nor create queues in a vhost they have no permissions in.
    await go('#/queues');
    await page.click('summary:has-text("Add a new queue")');
    await page.fill('form[aria-label="add queue"] input[name=name]', 'not-mine');
    await page.click('form[aria-label="add queue"] button[type=submit]');
    await page.waitForSelector('form[aria-label="add queue"] .error:has-text("Not allowed")', WAIT);

    await page.click('header button:has-text("Log out")');
    await page.waitForSelector('form.login', WAIT);
    await snap('logged-out');
  });
});
