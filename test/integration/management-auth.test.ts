// RabbitMQ's management user tags on warren's TCP listener: each tag against each kind of endpoint
// (read, write in its vhost, write in another vhost, policies, node views, user administration),
// with the status codes RabbitMQ's management plugin answers; lists show only what a tag may see.
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWarren, type Warren } from '../helpers/warren.js';
import { waitFor } from '../helpers/wait.js';
import { call, socketClient, type HttpResult } from './api-http.js';

const TAGS = ['administrator', 'monitoring', 'policymaker', 'management', 'none'] as const;
type Tag = (typeof TAGS)[number];
const PASSWORD = 'pw-ui';
/** every user has permissions in ui-a; only the administrator in ui-b */
const A = 'ui-a';
const B = 'ui-b';

interface Case {
  what: string;
  method: string;
  path: (tag: Tag) => string;
  json?: (tag: Tag) => unknown;
  /** expected status per tag */
  expect: Record<Tag, number>;
}

const ok = 200;
const made = 201;
const no = 401;

const CASES: Case[] = [
  {
    what: 'read: overview',
    method: 'GET',
    path: () => '/api/overview',
    expect: { administrator: ok, monitoring: ok, policymaker: ok, management: ok, none: no },
  },
  { what: 'read: whoami', method: 'GET', path: () => '/api/whoami', expect: { administrator: ok, monitoring: ok, policymaker: ok, management: ok, none: no } },
  {
    what: 'read: queues list',
    method: 'GET',
    path: () => '/api/queues',
    expect: { administrator: ok, monitoring: ok, policymaker: ok, management: ok, none: no },
  },
  {
    what: 'read: own vhost queues',
    method: 'GET',
    path: () => `/api/queues/${A}`,
    expect: { administrator: ok, monitoring: ok, policymaker: ok, management: ok, none: no },
  },
  {
    what: 'read: other vhost queues',
    method: 'GET',
    path: () => `/api/queues/${B}`,
    expect: { administrator: ok, monitoring: ok, policymaker: no, management: no, none: no },
  },
  {
    what: 'read: other vhost',
    method: 'GET',
    path: () => `/api/vhosts/${B}`,
    expect: { administrator: ok, monitoring: ok, policymaker: no, management: no, none: no },
  },
  { what: 'read: nodes', method: 'GET', path: () => '/api/nodes', expect: { administrator: ok, monitoring: ok, policymaker: no, management: no, none: no } },
  {
    what: 'read: warren status',
    method: 'GET',
    path: () => '/api/warren/status',
    expect: { administrator: ok, monitoring: ok, policymaker: no, management: no, none: no },
  },
  {
    what: 'write: declare queue in own vhost',
    method: 'PUT',
    path: (t) => `/api/queues/${A}/q-${t}`,
    json: () => ({ durable: false }),
    expect: { administrator: made, monitoring: made, policymaker: made, management: made, none: no },
  },
  {
    what: 'write: publish in own vhost',
    method: 'POST',
    path: () => `/api/exchanges/${A}/amq.default/publish`,
    json: (t) => ({ routing_key: `q-${t}`, payload: 'hi', payload_encoding: 'string', properties: {} }),
    expect: { administrator: ok, monitoring: ok, policymaker: ok, management: ok, none: no },
  },
  {
    what: 'write: declare queue in other vhost',
    method: 'PUT',
    path: (t) => `/api/queues/${B}/q-${t}`,
    json: () => ({ durable: false }),
    expect: { administrator: made, monitoring: no, policymaker: no, management: no, none: no },
  },
  {
    what: 'policy: set in own vhost',
    method: 'PUT',
    path: (t) => `/api/policies/${A}/p-${t}`,
    json: () => ({ pattern: '^nothing$', definition: { 'max-length': 10 } }),
    expect: { administrator: made, monitoring: no, policymaker: made, management: no, none: no },
  },
  {
    what: 'policy: list',
    method: 'GET',
    path: () => `/api/policies/${A}`,
    expect: { administrator: ok, monitoring: no, policymaker: ok, management: no, none: no },
  },
  {
    what: 'admin: list users',
    method: 'GET',
    path: () => '/api/users',
    expect: { administrator: ok, monitoring: no, policymaker: no, management: no, none: no },
  },
  {
    what: 'admin: add user',
    method: 'PUT',
    path: (t) => `/api/users/made-by-${t}`,
    json: () => ({ password: 'x', tags: '' }),
    expect: { administrator: made, monitoring: no, policymaker: no, management: no, none: no },
  },
  {
    what: 'admin: add vhost',
    method: 'PUT',
    path: (t) => `/api/vhosts/vh-${t}`,
    json: () => ({}),
    expect: { administrator: made, monitoring: no, policymaker: no, management: no, none: no },
  },
  {
    what: 'admin: permissions',
    method: 'GET',
    path: () => '/api/permissions',
    expect: { administrator: ok, monitoring: no, policymaker: no, management: no, none: no },
  },
  {
    what: 'admin: export definitions',
    method: 'GET',
    path: () => '/api/definitions',
    expect: { administrator: ok, monitoring: no, policymaker: no, management: no, none: no },
  },
  {
    what: 'admin: node operation (start_app)',
    method: 'POST',
    path: () => '/api/warren/start_app',
    expect: { administrator: 204, monitoring: no, policymaker: no, management: no, none: no },
  },
];

describe('management user tags against warren', () => {
  let w: Warren;
  let target: { host: string; port: number };
  const as = (tag: Tag, method: string, path: string, json?: unknown): Promise<HttpResult> =>
    call(
      target,
      method,
      path,
      json === undefined ? { auth: { user: `u-${tag}`, password: PASSWORD } } : { auth: { user: `u-${tag}`, password: PASSWORD }, json },
    );

  beforeAll(async () => {
    w = await startWarren();
    const u = new URL(w.apiUrl!);
    target = { host: u.hostname, port: Number(u.port) };
    const s = socketClient(w.socket);
    for (const v of [A, B]) expect((await s.put(`/api/vhosts/${v}`, {})).status).toBe(201);
    for (const tag of TAGS) {
      expect((await s.put(`/api/users/u-${tag}`, { password: PASSWORD, tags: tag === 'none' ? '' : tag })).status).toBe(201);
      expect((await s.put(`/api/permissions/${A}/u-${tag}`, { configure: '.*', write: '.*', read: '.*' })).status).toBe(201);
    }
    expect((await s.put(`/api/permissions/${B}/u-administrator`, { configure: '.*', write: '.*', read: '.*' })).status).toBe(201);
    expect((await s.put(`/api/queues/${B}/hidden`, {})).status).toBe(201);
  });
  afterAll(async () => {
    await w.stop();
  });

  for (const c of CASES) {
    it(`${c.what}: ${TAGS.map((t) => `${t} ${c.expect[t]}`).join(', ')}`, async () => {
      const got: Record<string, number> = {};
      for (const tag of TAGS) got[tag] = (await as(tag, c.method, c.path(tag), c.json?.(tag))).status;
      expect(got).toEqual(c.expect);
    });
  }

  it('a user without a management tag gets RabbitMQ\'s "Not management user"', async () => {
    const r = await as('none', 'GET', '/api/overview');
    expect(r.status).toBe(401);
    expect(r.body).toEqual({ error: 'not_authorised', reason: 'Not management user' });
  });

  it('wrong passwords and missing credentials are 401 Login failed', async () => {
    const bad = await call(target, 'GET', '/api/overview', { auth: { user: 'u-administrator', password: 'wrong' } });
    expect(bad.status).toBe(401);
    expect(bad.body.reason).toBe('Login failed');
    const none = await call(target, 'GET', '/api/overview');
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toMatch(/^Basic /);
  });

  it('lists show management and policymaker users only their vhosts; monitoring sees all', async () => {
    const names = async (tag: Tag, path: string): Promise<string[]> => ((await as(tag, 'GET', path)).body as { name: string }[]).map((x) => x.name).sort();
    expect(await names('management', '/api/vhosts')).toEqual([A]);
    expect(await names('policymaker', '/api/vhosts')).toEqual([A]);
    expect(await names('monitoring', '/api/vhosts')).toEqual(['/', A, B, 'vh-administrator'].sort());
    expect(await names('management', '/api/queues')).not.toContain('hidden');
    expect(await names('monitoring', '/api/queues')).toContain('hidden');
    // the overview counts what the user may see, as RabbitMQ
    const overview = async (tag: Tag): Promise<number> => (await as(tag, 'GET', '/api/overview')).body.object_totals.queues;
    expect(await overview('management')).toBe((await names('management', '/api/queues')).length);
    expect(await overview('monitoring')).toBe((await names('monitoring', '/api/queues')).length);
    expect(await overview('monitoring')).toBeGreaterThan(await overview('management'));
    const paged = (await as('management', 'GET', '/api/queues?page=1&page_size=100')).body;
    expect(paged.total_count).toBe(paged.items.length);
    expect(paged.items.every((q: { vhost: string }) => q.vhost === A)).toBe(true);
  });

  it('management users see and close only their own connections; monitoring sees all', async () => {
    const mine = await amqp.connect(`amqp://u-management:${PASSWORD}@127.0.0.1:${w.port}/${A}`);
    const theirs = await amqp.connect(`amqp://u-policymaker:${PASSWORD}@127.0.0.1:${w.port}/${A}`);
    try {
      const list = async (tag: Tag): Promise<{ name: string; user: string }[]> => {
        return waitFor(async () => {
          const l = (await as(tag, 'GET', '/api/connections')).body as { name: string; user: string }[];
          return tag !== 'monitoring' || l.length >= 2 ? l : false;
        }, 'both connections listed');
      };
      const all = await list('monitoring');
      expect(all.map((c) => c.user).sort()).toEqual(['u-management', 'u-policymaker']);
      const own = await list('management');
      expect(own.map((c) => c.user)).toEqual(['u-management']);
      const other = all.find((c) => c.user === 'u-policymaker')!;
      expect((await as('management', 'DELETE', `/api/connections/${encodeURIComponent(other.name)}`)).status).toBe(401);
      expect((await as('monitoring', 'DELETE', `/api/connections/${encodeURIComponent(other.name)}`)).status).toBe(401);
    } finally {
      await mine.close();
      await theirs.close();
    }
  });
});
