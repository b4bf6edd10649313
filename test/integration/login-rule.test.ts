// issue 10 point 11: the loopback-only rule for guest applies on every listener (AMQP, the TCP
// management API, the control socket), and all of 127.0.0.0/8, ::1 and ::ffff:127.x count as
// loopback, as in RabbitMQ.
import { createConnection, createServer, type AddressInfo, type Socket } from 'node:net';
import { networkInterfaces } from 'node:os';
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLoopbackAddress, loginAllowed, parseLoopbackUsers } from '../../src/server/authentication.js';
import { startWarren, type Warren } from '../helpers/warren.js';
import { call } from './api-http.js';

/** An address this machine already has that is not loopback (traffic to it stays on the machine). */
const external = Object.values(networkInterfaces())
  .flat()
  .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
const external6 = Object.values(networkInterfaces())
  .flat()
  .find((a) => a && a.family === 'IPv6' && !a.internal && !a.address.startsWith('fe80'))?.address;

const guest = { user: 'guest', password: 'guest' };
const admin = { user: 'remote-admin', password: 'ra' };

let warren: Warren;
let apiPort: number;

beforeAll(async () => {
  // Both listeners on every address (dual stack), so a test can reach them through loopback
  // addresses other than 127.0.0.1 and through the machine's own non-loopback address.
  warren = await startWarren({ args: ['--bind', '::', '--api-port', '0', '--api-bind', '::'] });
  apiPort = Number(new URL(warren.apiUrl!).port);
  const socket = { socketPath: warren.socket };
  await call(socket, 'PUT', '/api/users/remote-admin', { json: { password: admin.password, tags: 'administrator' } });
  await call(socket, 'PUT', '/api/permissions/%2F/remote-admin', { json: { configure: '.*', write: '.*', read: '.*' } });
});
afterAll(async () => {
  await warren.stop();
});

async function amqpLogin(user: { user: string; password: string }, host: string, localAddress?: string): Promise<string> {
  const h = host.includes(':') ? `[${host}]` : host;
  try {
    const c = await amqp.connect(
      `amqp://${user.user}:${user.password}@${h}:${warren.port}`,
      (localAddress ? { localAddress } : {}) as amqp.Options.Connect & object,
    );
    c.on('error', () => {});
    await c.close();
    return 'ok';
  } catch (err) {
    return (err as Error).message;
  }
}

function apiGet(user: { user: string; password: string }, host: string, localAddress?: string) {
  return call({ host, port: apiPort, ...(localAddress ? { localAddress } : {}) }, 'GET', '/api/whoami', { auth: user });
}

describe('loopback addresses', () => {
  it('are all of 127.0.0.0/8, ::1 and the IPv4-mapped 127.x, and nothing else', () => {
    for (const a of ['127.0.0.1', '127.0.0.2', '127.255.255.254', '::1', '::ffff:127.0.0.2', '0:0:0:0:0:0:0:1']) expect(isLoopbackAddress(a), a).toBe(true);
    for (const a of ['', 'localhost', '128.0.0.1', '10.0.0.1', '192.0.2.2', '::ffff:192.0.2.2', '::', 'fd00::2', 'not an address']) {
      expect(isLoopbackAddress(a), a).toBe(false);
    }
  });

  it('are recognised on real sockets: both ends of a 127.0.0.2 connection to a dual-stack listener', async () => {
    const server = createServer();
    const accepted = new Promise<Socket>((r) => server.once('connection', r));
    await new Promise<void>((r) => server.listen(0, '::', r));
    const client = createConnection({ host: '127.0.0.2', port: (server.address() as AddressInfo).port, localAddress: '127.0.0.2' });
    const s = await accepted;
    try {
      expect(s.localAddress).toBe('::ffff:127.0.0.2');
      expect(s.remoteAddress).toBe('::ffff:127.0.0.2');
      const endpoint = { transport: 'tcp' as const, localAddress: s.localAddress!, remoteAddress: s.remoteAddress! };
      expect(loginAllowed({ name: 'guest', passwordHash: '', tags: [] }, endpoint)).toBe(true);
      expect(loginAllowed({ name: 'guest', passwordHash: '', tags: [] }, { ...endpoint, localAddress: '::ffff:192.0.2.2' })).toBe(false);
      expect(loginAllowed({ name: 'guest', passwordHash: '', tags: [] }, { transport: 'unix' })).toBe(true);
      expect(loginAllowed({ name: 'someone', passwordHash: '', tags: [] }, { ...endpoint, remoteAddress: '192.0.2.9' })).toBe(true);
    } finally {
      client.destroy();
      s.destroy();
      await new Promise((r) => server.close(r));
    }
  });
});

describe('guest over AMQP', () => {
  it('may log in from any loopback address: 127.0.0.1, 127.0.0.2 and ::1', async () => {
    expect(await amqpLogin(guest, '127.0.0.1')).toBe('ok');
    expect(await amqpLogin(guest, '127.0.0.2', '127.0.0.2')).toBe('ok');
    expect(await amqpLogin(guest, '::1')).toBe('ok');
  });

  it.skipIf(!external)('is refused through a non-loopback address, while another user is not', async () => {
    expect(await amqpLogin(guest, external!)).toMatch(/ACCESS_REFUSED|403/);
    expect(await amqpLogin(admin, external!)).toBe('ok');
  });

  it.skipIf(!external6)('is refused through a non-loopback IPv6 address', async () => {
    expect(await amqpLogin(guest, external6!)).toMatch(/ACCESS_REFUSED|403/);
  });
});

describe('guest over the TCP management API', () => {
  it('may log in from any loopback address: 127.0.0.1, 127.0.0.2 and ::1', async () => {
    expect((await apiGet(guest, '127.0.0.1')).status).toBe(200);
    expect((await apiGet(guest, '127.0.0.2', '127.0.0.2')).status).toBe(200);
    expect((await apiGet(guest, '::1')).status).toBe(200);
  });

  it.skipIf(!external)('is refused through a non-loopback address with 401, as RabbitMQ, and cannot create users', async () => {
    const r = await apiGet(guest, external!);
    expect(r.status).toBe(401);
    expect(r.body).toEqual({ error: 'not_authorised', reason: 'User can only log in via localhost' });
    const created = await call({ host: external!, port: apiPort }, 'PUT', '/api/users/sneaky', { auth: guest, json: { password: 'x', tags: 'administrator' } });
    expect(created.status).toBe(401);
    expect((await call({ socketPath: warren.socket }, 'GET', '/api/users/sneaky')).status).toBe(404);
    // the rule is about the user: an administrator of another name may administer remotely
    expect((await apiGet(admin, external!)).status).toBe(200);
    expect(warren.output()).toContain("HTTP access denied: user 'guest' - User can only log in via localhost");
  });
});

describe('guest over the control socket', () => {
  it('is accepted: the socket is local, its file mode is the trust', async () => {
    expect((await call({ socketPath: warren.socket }, 'GET', '/api/whoami', { auth: guest })).status).toBe(200);
  });
});

describe('--loopback-users', () => {
  it('parses names, and none for nobody (RabbitMQ: loopback_users = none)', () => {
    expect([...parseLoopbackUsers('guest, ops')]).toEqual(['guest', 'ops']);
    expect([...parseLoopbackUsers('none')]).toEqual([]);
  });

  it.skipIf(!external)('chooses who is held to loopback, on AMQP and the TCP API alike', async () => {
    const other = await startWarren({ args: ['--bind', '0.0.0.0', '--api-port', '0', '--api-bind', '0.0.0.0', '--loopback-users', 'remote-admin'] });
    try {
      const port = Number(/management API listener on \S+:(\d+)/.exec(other.output())![1]);
      const socket = { socketPath: other.socket };
      await call(socket, 'PUT', '/api/users/remote-admin', { json: { password: admin.password, tags: 'administrator' } });
      await call(socket, 'PUT', '/api/permissions/%2F/remote-admin', { json: { configure: '.*', write: '.*', read: '.*' } });
      const login = async (who: { user: string; password: string }, host: string) => {
        try {
          await (await amqp.connect(`amqp://${who.user}:${who.password}@${host}:${other.port}`)).close();
          return 'ok';
        } catch (err) {
          return (err as Error).message.includes('ACCESS_REFUSED') || (err as Error).message.includes('403') ? 'refused' : (err as Error).message;
        }
      };
      expect(await login(guest, external!)).toBe('ok');
      expect(await login(admin, external!)).toBe('refused');
      expect(await login(admin, '127.0.0.2')).toBe('ok');
      expect((await call({ host: external!, port }, 'GET', '/api/whoami', { auth: guest })).status).toBe(200);
      expect((await call({ host: external!, port }, 'GET', '/api/whoami', { auth: admin })).status).toBe(401);
    } finally {
      await other.stop();
    }
  });
});
