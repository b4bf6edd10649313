// Per-resource permissions in the management API, as RabbitMQ checks them: a management user whose
// configure, write and read patterns each match a different prefix runs one table of operations
// (declare, delete, bind, unbind, publish, get, purge) against warren and against RabbitMQ, and gets
// the same status codes; an administrator without permissions in the vhost is refused too.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWarren, type Warren } from '../helpers/warren.js';
import { call, type HttpResult, type Target } from './api-http.js';

const RABBITMQ_API_URL = process.env.RABBITMQ_API_URL;
if (!RABBITMQ_API_URL) console.warn('[management-resource-perms] RABBITMQ_API_URL not set: the RabbitMQ side is skipped (CI sets them)');

const PASSWORD = 'pw-perms';
/** configure c-*, write w-*, read r-*; all-* matches all three; no-* none */
const PERMS = { configure: '^(c|all)-', write: '^(w|all)-', read: '^(r|all)-' };
const QUEUES = ['c-q', 'w-q', 'r-q', 'all-q', 'no-q'];
const EXCHANGES = ['c-x', 'w-x', 'r-x', 'all-x', 'no-x'];
const MSG = { routing_key: 'k', payload: 'hi', payload_encoding: 'string', properties: {} };
const GET = { count: 1, ackmode: 'ack_requeue_true', encoding: 'auto' };

interface Case {
  what: string;
  as: 'user' | 'admin';
  method: string;
  /** after /api/, with V standing for the vhost */
  path: string;
  json?: unknown;
  status: number;
  /** the refusal's body, where RabbitMQ's is fixed */
  reason?: string | RegExp;
}

const refused = 'Access refused.';
// In order: later cases see what earlier ones made or deleted. Codes and reasons are RabbitMQ 3.10.8's.
const CASES: Case[] = [
  { what: 'declare queue without configure', as: 'user', method: 'PUT', path: 'queues/V/w-q2', json: {}, status: 401, reason: refused },
  { what: 'declare queue with configure', as: 'user', method: 'PUT', path: 'queues/V/c-q2', json: {}, status: 201 },
  { what: 'redeclare existing queue without configure', as: 'user', method: 'PUT', path: 'queues/V/r-q', json: {}, status: 401, reason: refused },
  {
    what: 'new queue, dead-letter exchange not writable',
    as: 'user',
    method: 'PUT',
    path: 'queues/V/all-dlq1',
    json: { arguments: { 'x-dead-letter-exchange': 'r-x' } },
    status: 401,
    reason: refused,
  },
  {
    what: 'new queue, dead-letter exchange writable',
    as: 'user',
    method: 'PUT',
    path: 'queues/V/all-dlq2',
    json: { arguments: { 'x-dead-letter-exchange': 'w-x' } },
    status: 201,
  },
  {
    what: 'new queue with dead-letter exchange, queue not readable',
    as: 'user',
    method: 'PUT',
    path: 'queues/V/c-dlq3',
    json: { arguments: { 'x-dead-letter-exchange': 'w-x' } },
    status: 401,
    reason: refused,
  },
  { what: 'declare exchange without configure', as: 'user', method: 'PUT', path: 'exchanges/V/w-x2', json: { type: 'direct' }, status: 401, reason: refused },
  { what: 'declare exchange with configure', as: 'user', method: 'PUT', path: 'exchanges/V/c-x2', json: { type: 'direct' }, status: 201 },
  {
    what: 'new exchange, alternate not writable',
    as: 'user',
    method: 'PUT',
    path: 'exchanges/V/all-ae1',
    json: { type: 'direct', arguments: { 'alternate-exchange': 'no-x' } },
    status: 401,
    reason: refused,
  },
  {
    what: 'new exchange, alternate writable',
    as: 'user',
    method: 'PUT',
    path: 'exchanges/V/all-ae2',
    json: { type: 'direct', arguments: { 'alternate-exchange': 'w-x' } },
    status: 201,
  },
  {
    what: 'bind: source readable, destination queue writable',
    as: 'user',
    method: 'POST',
    path: 'bindings/V/e/r-x/q/w-q',
    json: { routing_key: 'k' },
    status: 201,
  },
  { what: 'bind: source not readable', as: 'user', method: 'POST', path: 'bindings/V/e/w-x/q/w-q', json: { routing_key: 'k' }, status: 401, reason: refused },
  {
    what: 'bind: destination queue not writable',
    as: 'user',
    method: 'POST',
    path: 'bindings/V/e/r-x/q/r-q',
    json: { routing_key: 'k' },
    status: 401,
    reason: refused,
  },
  { what: 'bind: destination exchange writable', as: 'user', method: 'POST', path: 'bindings/V/e/r-x/e/w-x', json: { routing_key: 'k' }, status: 201 },
  {
    what: 'bind: destination exchange not writable',
    as: 'user',
    method: 'POST',
    path: 'bindings/V/e/r-x/e/c-x',
    json: { routing_key: 'k' },
    status: 401,
    reason: refused,
  },
  {
    what: 'bind: topic permission allows the key',
    as: 'user',
    method: 'POST',
    path: 'bindings/V/e/all-topic/q/all-q',
    json: { routing_key: 'r.1' },
    status: 201,
  },
  {
    what: 'bind: topic permission refuses the key',
    as: 'user',
    method: 'POST',
    path: 'bindings/V/e/all-topic/q/all-q',
    json: { routing_key: 'w.1' },
    status: 401,
    reason: refused,
  },
  {
    what: 'publish: topic permission allows the key',
    as: 'user',
    method: 'POST',
    path: 'exchanges/V/all-topic/publish',
    json: { ...MSG, routing_key: 'w.1' },
    status: 200,
  },
  {
    what: 'publish: topic permission refuses the key',
    as: 'user',
    method: 'POST',
    path: 'exchanges/V/all-topic/publish',
    json: { ...MSG, routing_key: 'r.1' },
    status: 400,
    reason: /^403 ACCESS_REFUSED - access to topic 'r.1' in exchange 'all-topic' in vhost '.*' refused for user '.*'$/,
  },
  {
    what: 'unbind: source not readable (binding made by admin)',
    as: 'user',
    method: 'DELETE',
    path: 'bindings/V/e/no-x/q/all-q/k',
    status: 401,
    reason: refused,
  },
  { what: 'unbind: permitted', as: 'user', method: 'DELETE', path: 'bindings/V/e/r-x/q/w-q/k', status: 204 },
  { what: 'publish: exchange writable', as: 'user', method: 'POST', path: 'exchanges/V/w-x/publish', json: MSG, status: 200 },
  {
    what: 'publish: exchange not writable',
    as: 'user',
    method: 'POST',
    path: 'exchanges/V/r-x/publish',
    json: MSG,
    status: 400,
    reason: /^403 ACCESS_REFUSED - access to exchange 'r-x' in vhost '.*' refused for user '.*'$/,
  },
  {
    what: 'publish: default exchange not writable',
    as: 'user',
    method: 'POST',
    path: 'exchanges/V/amq.default/publish',
    json: { ...MSG, routing_key: 'w-q' },
    status: 400,
    reason: /^403 ACCESS_REFUSED - access to exchange 'amq.default' in vhost/,
  },
  { what: 'get: queue readable', as: 'user', method: 'POST', path: 'queues/V/r-q/get', json: GET, status: 200 },
  {
    what: 'get: queue not readable',
    as: 'user',
    method: 'POST',
    path: 'queues/V/w-q/get',
    json: GET,
    status: 401,
    reason: /^ACCESS_REFUSED - access to queue 'w-q' in vhost '.*' refused for user '.*'$/,
  },
  { what: 'purge: queue readable', as: 'user', method: 'DELETE', path: 'queues/V/r-q/contents', status: 204 },
  { what: 'purge: queue not readable', as: 'user', method: 'DELETE', path: 'queues/V/c-q/contents', status: 401, reason: refused },
  { what: 'delete queue without configure', as: 'user', method: 'DELETE', path: 'queues/V/r-q', status: 401, reason: refused },
  { what: 'delete queue with configure', as: 'user', method: 'DELETE', path: 'queues/V/c-q', status: 204 },
  { what: 'delete exchange without configure', as: 'user', method: 'DELETE', path: 'exchanges/V/w-x', status: 401, reason: refused },
  { what: 'delete exchange with configure', as: 'user', method: 'DELETE', path: 'exchanges/V/c-x', status: 204 },
  { what: 'administrator without vhost permissions: declare', as: 'admin', method: 'PUT', path: 'queues/V/all-admin', json: {}, status: 401, reason: refused },
  { what: 'administrator without vhost permissions: get', as: 'admin', method: 'POST', path: 'queues/V/all-q/get', json: GET, status: 401, reason: refused },
  {
    what: 'administrator without vhost permissions: publish',
    as: 'admin',
    method: 'POST',
    path: 'exchanges/V/all-x/publish',
    json: MSG,
    status: 401,
    reason: refused,
  },
  { what: 'administrator without vhost permissions: delete', as: 'admin', method: 'DELETE', path: 'queues/V/all-q', status: 401, reason: refused },
];

/** warren-only: POST /api/queues/V/Q/move needs read on the source and write on the destination. */
const MOVE_CASES: Case[] = [
  { what: 'move: source readable, destination writable', as: 'user', method: 'POST', path: 'queues/V/all-q/move', json: { destination: 'w-q' }, status: 200 },
  { what: 'move: source not readable', as: 'user', method: 'POST', path: 'queues/V/w-q/move', json: { destination: 'all-q' }, status: 401, reason: refused },
  {
    what: 'move: destination not writable',
    as: 'user',
    method: 'POST',
    path: 'queues/V/all-q/move',
    json: { destination: 'r-q' },
    status: 401,
    reason: refused,
  },
];

function suite(start: () => Promise<{ target: Target; superuser: { user: string; password: string }; stop: () => Promise<void> }>, cases: Case[]): void {
  const suffix = randomBytes(4).toString('hex');
  const vhost = `api-perms-v-${suffix}`;
  const user = `api-perms-u-${suffix}`;
  const admin = `api-perms-a-${suffix}`;
  let target: Target;
  let su: { user: string; password: string };
  let stop: () => Promise<void>;
  const asSu = (method: string, path: string, json?: unknown): Promise<HttpResult> =>
    call(target, method, `/api/${path}`, json === undefined ? { auth: su } : { auth: su, json });

  beforeAll(async () => {
    ({ target, superuser: su, stop } = await start());
    expect((await asSu('PUT', `vhosts/${vhost}`, {})).status).toBe(201);
    expect((await asSu('PUT', `users/${user}`, { password: PASSWORD, tags: 'management' })).status).toBe(201);
    expect((await asSu('PUT', `users/${admin}`, { password: PASSWORD, tags: 'administrator' })).status).toBe(201);
    expect((await asSu('PUT', `permissions/${vhost}/${user}`, PERMS)).status).toBe(201);
    // The creator of a vhost gets full permissions on it (RabbitMQ and warren); set them anyway.
    await asSu('PUT', `permissions/${vhost}/${su.user}`, { configure: '.*', write: '.*', read: '.*' });
    for (const q of QUEUES) expect((await asSu('PUT', `queues/${vhost}/${q}`, {})).status).toBe(201);
    for (const x of EXCHANGES) expect((await asSu('PUT', `exchanges/${vhost}/${x}`, { type: 'direct' })).status).toBe(201);
    for (const x of ['all-topic']) expect((await asSu('PUT', `exchanges/${vhost}/${x}`, { type: 'topic' })).status).toBe(201);
    expect((await asSu('PUT', `topic-permissions/${vhost}/${user}`, { exchange: 'all-topic', write: '^w\\.', read: '^r\\.' })).status).toBe(201);
    expect((await asSu('POST', `bindings/${vhost}/e/no-x/q/all-q`, { routing_key: 'k' })).status).toBe(201);
    for (const q of ['r-q', 'all-q']) {
      expect((await asSu('POST', `exchanges/${vhost}/amq.default/publish`, { ...MSG, routing_key: q })).status).toBe(200);
    }
  });
  afterAll(async () => {
    if (!target) return;
    await asSu('DELETE', `vhosts/${vhost}`);
    await asSu('DELETE', `users/${user}`);
    await asSu('DELETE', `users/${admin}`);
    await stop();
  });

  for (const c of cases) {
    it(`${c.what}: ${c.method} ${c.path} -> ${c.status}`, async () => {
      const auth = { user: c.as === 'user' ? user : admin, password: PASSWORD };
      const path = `/api/${c.path.replace('/V/', `/${vhost}/`)}`;
      const r = await call(target, c.method, path, c.json === undefined ? { auth } : { auth, json: c.json });
      expect({ status: r.status, text: r.text }).toMatchObject({ status: c.status });
      if (c.reason !== undefined) {
        expect(r.body?.error).toBe(c.status === 400 ? 'bad_request' : 'not_authorised');
        if (typeof c.reason === 'string') expect(r.body?.reason).toBe(c.reason);
        else expect(r.body?.reason).toMatch(c.reason);
      }
    });
  }
}

describe('management API resource permissions on warren', () => {
  let w: Warren;
  suite(async () => {
    w = await startWarren();
    const u = new URL(w.apiUrl!);
    return { target: { host: u.hostname, port: Number(u.port) }, superuser: { user: 'guest', password: 'guest' }, stop: async () => void (await w.stop()) };
  }, [...CASES, ...MOVE_CASES]);
});

describe.skipIf(!RABBITMQ_API_URL)('management API resource permissions on RabbitMQ (RABBITMQ_API_URL)', () => {
  suite(async () => {
    const u = new URL(RABBITMQ_API_URL!);
    return {
      target: { host: u.hostname, port: Number(u.port) },
      superuser: { user: decodeURIComponent(u.username), password: decodeURIComponent(u.password) },
      stop: async () => {},
    };
  }, CASES);
});
