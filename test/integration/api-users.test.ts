// Users, vhosts and permissions over the management API, with RabbitMQ's status codes and shapes.
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWarren, type Warren } from '../helpers/warren.js';
import { V, socketClient, type Client } from './api-http.js';

describe('users, vhosts and permissions', () => {
  let w: Warren;
  let api: Client;
  beforeAll(async () => {
    w = await startWarren();
    api = socketClient(w.socket);
  });
  afterAll(async () => {
    await w.stop();
  });

  it('creates (201), updates (204), shows and deletes users', async () => {
    expect((await api.put('/api/users/ann', { password: 's3cret', tags: 'administrator,monitoring' })).status).toBe(201);
    const one = await api.get('/api/users/ann');
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ name: 'ann', hashing_algorithm: 'rabbit_password_hashing_sha256', tags: ['administrator', 'monitoring'], limits: {} });
    expect(Buffer.from(one.body.password_hash, 'base64')).toHaveLength(36);
    expect((await api.get('/api/whoami', { auth: { user: 'ann', password: 's3cret' } })).body).toEqual({ name: 'ann', tags: ['administrator', 'monitoring'] });

    expect((await api.put('/api/users/ann', { password: 'other', tags: ['management'] })).status).toBe(204);
    expect((await api.get('/api/users/ann')).body.tags).toEqual(['management']);
    expect((await api.get('/api/whoami', { auth: { user: 'ann', password: 's3cret' } })).status).toBe(401);
    expect((await api.get('/api/whoami', { auth: { user: 'ann', password: 'other' } })).status).toBe(200);

    const names = (await api.get('/api/users')).body.map((u: { name: string }) => u.name);
    expect(names).toEqual(['ann', 'guest']);
    expect((await api.del('/api/users/ann')).status).toBe(204);
    expect((await api.del('/api/users/ann')).status).toBe(404);
    expect((await api.get('/api/users/ann')).status).toBe(404);
  });

  it('accepts a password_hash, and a PUT without password clears it', async () => {
    await api.put('/api/users/src', { password: 'hashed-pw', tags: '' });
    const hash = (await api.get('/api/users/src')).body.password_hash as string;
    expect((await api.put('/api/users/copy', { password_hash: hash, hashing_algorithm: 'rabbit_password_hashing_sha256', tags: '' })).status).toBe(201);
    expect((await api.get('/api/whoami', { auth: { user: 'copy', password: 'hashed-pw' } })).status).toBe(200);

    expect((await api.put('/api/users/copy', { tags: '' })).status).toBe(204);
    expect((await api.get('/api/users/copy')).body.password_hash).toBe('');
    expect((await api.get('/api/whoami', { auth: { user: 'copy', password: 'hashed-pw' } })).status).toBe(401);

    expect((await api.put('/api/users/x', { password: 'a', password_hash: hash })).status).toBe(400);
    expect((await api.put('/api/users/x', { password_hash: 'not-a-hash!' })).status).toBe(400);
    expect((await api.put('/api/users/x', { password_hash: hash, hashing_algorithm: 'rabbit_password_hashing_md5' })).status).toBe(400);
  });

  it('manages vhosts', async () => {
    expect((await api.put('/api/vhosts/dev', { description: 'for devs', tags: 'a,b' })).status).toBe(201);
    expect((await api.put('/api/vhosts/dev', { description: 'changed' })).status).toBe(204);
    const v = await api.get('/api/vhosts/dev');
    expect(v.body).toMatchObject({ name: 'dev', description: 'changed', tags: ['a', 'b'], messages: 0 });
    expect((await api.get('/api/vhosts')).body.map((x: { name: string }) => x.name)).toEqual(['/', 'dev']);
    expect((await api.get('/api/vhosts/nope')).status).toBe(404);
    expect((await api.del('/api/vhosts/dev')).status).toBe(204);
    expect((await api.del('/api/vhosts/dev')).status).toBe(404);
  });

  it('deleting a vhost closes its connections', async () => {
    await api.put('/api/vhosts/doomed');
    await api.put('/api/permissions/doomed/guest', { configure: '.*', write: '.*', read: '.*' });
    const conn = await amqp.connect(`${w.url}/doomed`);
    const closed = new Promise<unknown>((resolve) => conn.on('close', resolve));
    conn.on('error', () => undefined);
    expect((await api.del('/api/vhosts/doomed')).status).toBe(204);
    expect(String(await closed)).toMatch(/CONNECTION_FORCED/);
  });

  it('sets, lists and clears permissions, validating regular expressions', async () => {
    await api.put('/api/users/perm', { password: 'pw', tags: '' });
    await api.put('/api/vhosts/pv');
    const path = '/api/permissions/pv/perm';
    expect((await api.get(path)).status).toBe(404);
    expect((await api.put(path, { configure: '^q-.*', write: '.*', read: '' })).status).toBe(201);
    expect((await api.put(path, { configure: '^q-.*', write: '.*', read: '.*' })).status).toBe(204);
    expect((await api.get(path)).body).toEqual({ user: 'perm', vhost: 'pv', configure: '^q-.*', write: '.*', read: '.*' });

    const bad = await api.put(path, { configure: '(', write: '.*', read: '.*' });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe('bad_request');
    expect((await api.put('/api/permissions/pv/ghost', { configure: '.*', write: '.*', read: '.*' })).status).toBe(400);
    expect((await api.put('/api/permissions/ghost-vhost/perm', { configure: '.*', write: '.*', read: '.*' })).status).toBe(400);
    expect((await api.put(path, { configure: '.*' })).status).toBe(400);

    // guest has full permissions on pv: it created pv (the control socket without credentials acts as guest)
    expect((await api.get('/api/vhosts/pv/permissions')).body).toEqual([
      { user: 'guest', vhost: 'pv', configure: '.*', write: '.*', read: '.*' },
      { user: 'perm', vhost: 'pv', configure: '^q-.*', write: '.*', read: '.*' },
    ]);
    expect((await api.get('/api/users/perm/permissions')).body.map((p: { vhost: string }) => p.vhost)).toEqual(['pv']);
    expect((await api.get('/api/users/ghost/permissions')).status).toBe(404);
    expect((await api.get('/api/permissions')).body).toContainEqual({ user: 'guest', vhost: '/', configure: '.*', write: '.*', read: '.*' });

    expect((await api.del(path)).status).toBe(204);
    expect((await api.del(path)).status).toBe(404);
    expect((await api.get(`/api/vhosts/${V}/permissions`)).body).toHaveLength(1);
  });

  it('permissions set over the API govern AMQP access', async () => {
    await api.put('/api/users/limited', { password: 'pw', tags: '' });
    await api.put(`/api/permissions/${V}/limited`, { configure: '^mine$', write: '.*', read: '.*' });
    const conn = await amqp.connect(`amqp://limited:pw@127.0.0.1:${w.port}`);
    conn.on('error', () => undefined);
    const ch = await conn.createChannel();
    ch.on('error', () => undefined);
    await ch.assertQueue('mine');
    await expect(ch.assertQueue('theirs')).rejects.toThrow(/ACCESS_REFUSED/);
    await conn.close().catch(() => undefined);
  });
});
