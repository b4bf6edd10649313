// issue 16 point 2 = issue 15 point 5: a vhost created through the management API gives its
// creator full permissions, as RabbitMQ's API does, so a client can do what rascal does: create a
// vhost over HTTP and connect to it at once with the same user. Run against warren (TCP API and
// control socket) and against RabbitMQ.
import { randomBytes } from 'node:crypto';
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWarren, type Warren } from '../helpers/warren.js';
import { call, type CallOptions, type HttpResult, type Target } from './api-http.js';

const RABBITMQ_URL = process.env.RABBITMQ_URL;
const RABBITMQ_API_URL = process.env.RABBITMQ_API_URL;
if (!RABBITMQ_URL || !RABBITMQ_API_URL) console.warn('[vhost-creator] RABBITMQ_URL / RABBITMQ_API_URL not set: the RabbitMQ side is skipped (CI sets them)');

type Auth = CallOptions['auth'];
const unique = (what: string) => `safety-perms-${what}-${randomBytes(4).toString('hex')}`;

interface Side {
  api: Target;
  /** credentials of an administrator that can create users (none on the control socket) */
  admin: Auth;
  amqpHost: string;
  amqpPort: number;
}

function req(side: Side, method: string, path: string, json?: unknown, auth: Auth = side.admin): Promise<HttpResult> {
  return call(side.api, method, path, { ...(json === undefined ? {} : { json }), ...(auth ? { auth } : {}) });
}

/** What rascal does: PUT the vhost as `who`, then connect to it at once as `who` and use it. */
async function createThenUse(side: Side, who: { user: string; password: string }, vhost: string, auth: Auth = who): Promise<string> {
  const put = await req(side, 'PUT', `/api/vhosts/${encodeURIComponent(vhost)}`, {}, auth);
  if (put.status !== 201) return `PUT ${put.status} ${put.text}`;
  try {
    const c = await amqp.connect(
      `amqp://${encodeURIComponent(who.user)}:${encodeURIComponent(who.password)}@${side.amqpHost}:${side.amqpPort}/${encodeURIComponent(vhost)}`,
    );
    c.on('error', () => {});
    const ch = await c.createChannel();
    const q = (await ch.assertQueue('', { exclusive: true })).queue;
    ch.sendToQueue(q, Buffer.from('hello'));
    const got = await new Promise<string>((resolve) => void ch.consume(q, (m) => resolve(m!.content.toString()), { noAck: true }));
    await c.close();
    return got;
  } catch (err) {
    return (err as Error).message;
  }
}

async function permissionsOf(side: Side, vhost: string): Promise<unknown> {
  return (await req(side, 'GET', `/api/vhosts/${encodeURIComponent(vhost)}/permissions`)).body;
}

function behavesAsRabbitMQ(getSide: () => Side, label: string): void {
  it(`${label}: the creator of a vhost gets full permissions and can use it at once`, async () => {
    const side = getSide();
    const user = { user: unique('creator'), password: randomBytes(6).toString('hex') };
    const vhost = unique('vhost');
    expect((await req(side, 'PUT', `/api/users/${user.user}`, { password: user.password, tags: 'administrator' })).status).toBe(201);
    try {
      expect(await createThenUse(side, user, vhost)).toBe('hello');
      expect(await permissionsOf(side, vhost)).toEqual([{ user: user.user, vhost, configure: '.*', write: '.*', read: '.*' }]);
    } finally {
      await req(side, 'DELETE', `/api/vhosts/${encodeURIComponent(vhost)}`);
      await req(side, 'DELETE', `/api/users/${user.user}`);
    }
  });

  it(`${label}: PUT on an existing vhost leaves its permissions alone`, async () => {
    const side = getSide();
    const user = { user: unique('updater'), password: randomBytes(6).toString('hex') };
    const vhost = unique('vhost');
    expect((await req(side, 'PUT', `/api/vhosts/${encodeURIComponent(vhost)}`, {})).status).toBe(201);
    expect((await req(side, 'PUT', `/api/users/${user.user}`, { password: user.password, tags: 'administrator' })).status).toBe(201);
    try {
      const before = await permissionsOf(side, vhost);
      expect((await req(side, 'PUT', `/api/vhosts/${encodeURIComponent(vhost)}`, { description: 'updated' }, user)).status).toBe(204);
      expect(await permissionsOf(side, vhost)).toEqual(before);
    } finally {
      await req(side, 'DELETE', `/api/vhosts/${encodeURIComponent(vhost)}`);
      await req(side, 'DELETE', `/api/users/${user.user}`);
    }
  });

  it(`${label}: a vhost created by a definitions import gives the importer full permissions too`, async () => {
    const side = getSide();
    const vhost = unique('imported');
    try {
      expect((await req(side, 'POST', '/api/definitions', { vhosts: [{ name: vhost }] })).status).toBe(204);
      const perms = (await permissionsOf(side, vhost)) as { user: string }[];
      const importer = side.admin?.user ?? 'guest';
      expect(perms).toEqual([{ user: importer, vhost, configure: '.*', write: '.*', read: '.*' }]);
    } finally {
      await req(side, 'DELETE', `/api/vhosts/${encodeURIComponent(vhost)}`);
    }
  });
}

describe('vhost creator on warren', () => {
  let warren: Warren;
  let tcp: Side;
  let socket: Side;
  beforeAll(async () => {
    warren = await startWarren({ args: ['--api-port', '0'] });
    const apiPort = Number(/management API listener on \S+:(\d+)/.exec(warren.output())![1]);
    tcp = { api: { host: '127.0.0.1', port: apiPort }, admin: { user: 'guest', password: 'guest' }, amqpHost: '127.0.0.1', amqpPort: warren.port };
    socket = { api: { socketPath: warren.socket }, admin: undefined, amqpHost: '127.0.0.1', amqpPort: warren.port };
  });
  afterAll(async () => {
    await warren.stop();
  });

  behavesAsRabbitMQ(() => tcp, 'TCP API');
  behavesAsRabbitMQ(() => socket, 'control socket with credentials');

  it('control socket without credentials: the new vhost is usable by guest, as warrenctl add_vhost on RabbitMQ', async () => {
    const vhost = unique('vhost');
    expect(await createThenUse(socket, { user: 'guest', password: 'guest' }, vhost, undefined)).toBe('hello');
    expect(await permissionsOf(socket, vhost)).toEqual([{ user: 'guest', vhost, configure: '.*', write: '.*', read: '.*' }]);
  });
});

describe.skipIf(!RABBITMQ_URL || !RABBITMQ_API_URL)('vhost creator on RabbitMQ (RABBITMQ_URL, RABBITMQ_API_URL)', () => {
  let side: Side;
  beforeAll(() => {
    const api = new URL(RABBITMQ_API_URL!);
    const amqpUrl = new URL(RABBITMQ_URL!);
    side = {
      api: { host: api.hostname, port: Number(api.port || 15672) },
      admin: { user: decodeURIComponent(api.username || 'guest'), password: decodeURIComponent(api.password || 'guest') },
      amqpHost: amqpUrl.hostname,
      amqpPort: Number(amqpUrl.port || 5672),
    };
  });

  behavesAsRabbitMQ(() => side, 'RabbitMQ API');
});
