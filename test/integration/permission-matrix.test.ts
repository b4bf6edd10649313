// The permission matrix (issue 10): the same operations, as a user whose configure/write/read
// patterns and topic permissions restrict it, run against warren and against RabbitMQ 3.10.8,
// with the reply code and text expected of both. The expectations were taken from RabbitMQ; the
// RabbitMQ block checks they still hold, the warren block that warren gives the same answers.
import { randomBytes } from 'node:crypto';
import amqp, { type Channel, type ChannelModel } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MethodId, PROTOCOL_HEADER } from '../../src/amqp/index.js';
import { RawClient } from '../helpers/raw-client.js';
import { waitFor } from '../helpers/wait.js';
import { startWarren, type Warren } from '../helpers/warren.js';
import { call, type CallOptions, type HttpResult, type Target as HttpTarget } from './api-http.js';

const RABBITMQ_URL = process.env.RABBITMQ_URL;
const RABBITMQ_API_URL = process.env.RABBITMQ_API_URL;
if (!RABBITMQ_URL || !RABBITMQ_API_URL) {
  console.warn('[permission-matrix] RABBITMQ_URL / RABBITMQ_API_URL not set: the RabbitMQ side is skipped (CI sets them)');
}

/** One broker to run the matrix on: where AMQP and the management API are, and how to log in. */
interface Broker {
  amqpBase: string; // amqp://host:port
  port: number;
  api(method: string, path: string, json?: unknown): Promise<HttpResult>;
  stop?(): Promise<void>;
}

const suffix = randomBytes(4).toString('hex');
const VHOST = `safety-perms-matrix-${suffix}`;
const USER = `safety-perms-limited-${suffix}`;
const PASSWORD = randomBytes(8).toString('hex');
const IMPERSONATOR = { user: `safety-perms-impersonator-${suffix}`, password: randomBytes(8).toString('hex') };
const STRANGER = { user: `safety-perms-stranger-${suffix}`, password: randomBytes(8).toString('hex') };
const V = encodeURIComponent(VHOST);
const ADMIN = { user: 'guest', password: 'guest' };

function httpBroker(target: HttpTarget, auth: CallOptions['auth'] | undefined, amqpBase: string): Broker {
  return {
    amqpBase,
    port: Number(new URL(amqpBase).port),
    api: (method, path, json) => call(target, method, path, { ...(json === undefined ? {} : { json }), ...(auth ? { auth } : {}) }),
  };
}

async function connect(b: Broker, user: string, password: string): Promise<ChannelModel> {
  const c = await amqp.connect(`${b.amqpBase.replace('amqp://', `amqp://${encodeURIComponent(user)}:${encodeURIComponent(password)}@`)}/${V}`);
  c.on('error', () => {});
  return c;
}

async function setUp(b: Broker): Promise<void> {
  const ok = async (r: Promise<HttpResult>, what: string) => {
    const res = await r;
    if (res.status >= 300) throw new Error(`${what}: ${res.status} ${res.text}`);
  };
  await ok(b.api('PUT', `/api/vhosts/${V}`), 'create vhost');
  await ok(b.api('PUT', `/api/permissions/${V}/guest`, { configure: '.*', write: '.*', read: '.*' }), 'guest permissions');
  await ok(b.api('PUT', `/api/users/${USER}`, { password: PASSWORD, tags: '' }), 'create user');
  await ok(
    b.api('PUT', `/api/permissions/${V}/${USER}`, { configure: '^pm\\.mine', write: '^pm\\.(mine|open)', read: '^pm\\.(mine|open|topic)' }),
    'user permissions',
  );
  await ok(b.api('PUT', `/api/topic-permissions/${V}/${USER}`, { exchange: 'pm.topic', write: '^allowed\\.', read: '^allowed\\.' }), 'topic permissions');
  await ok(b.api('PUT', `/api/users/${IMPERSONATOR.user}`, { password: IMPERSONATOR.password, tags: 'impersonator' }), 'create impersonator');
  await ok(b.api('PUT', `/api/permissions/${V}/${IMPERSONATOR.user}`, { configure: '.*', write: '.*', read: '.*' }), 'impersonator permissions');
  await ok(b.api('PUT', `/api/users/${STRANGER.user}`, { password: STRANGER.password, tags: '' }), 'create stranger');
  const c = await connect(b, ADMIN.user, ADMIN.password);
  const ch = await c.createChannel();
  await ch.assertExchange('pm.open', 'direct', { durable: false });
  await ch.assertExchange('pm.closed', 'direct', { durable: false });
  await ch.assertExchange('pm.topic', 'topic', { durable: false });
  await ch.assertQueue('pm.theirs', { durable: false });
  await ch.assertExchange('pm.internal', 'direct', { durable: false, internal: true });
  await ch.assertQueue('pm.sink', { durable: false });
  await ch.bindQueue('pm.sink', 'pm.closed', 'k');
  // created by the administrator, redeclared by the limited user: only new declarations are checked
  await ch.assertQueue('pm.mine.pre', { durable: false, arguments: { 'x-dead-letter-exchange': 'pm.closed' } });
  await ch.assertExchange('pm.mine.prex', 'direct', { durable: false, arguments: { 'alternate-exchange': 'pm.closed' } });
  await c.close();
}

async function tearDown(b: Broker): Promise<void> {
  await b.api('DELETE', `/api/vhosts/${V}`);
  await b.api('DELETE', `/api/users/${USER}`);
  await b.api('DELETE', `/api/users/${IMPERSONATOR.user}`);
  await b.api('DELETE', `/api/users/${STRANGER.user}`);
}

type Op = (ch: Channel) => Promise<unknown> | void;

/** 'ok', or the reply code and text that closed the channel (or connection). */
async function outcome(b: Broker, op: Op, as: { user: string; password: string } = { user: USER, password: PASSWORD }): Promise<string> {
  let c: ChannelModel;
  try {
    c = await connect(b, as.user, as.password);
  } catch (err) {
    return describeFailure([err]);
  }
  // Channel and connection errors both count (a connection-level refusal also ends the channel).
  const failures: unknown[] = [];
  const closed = new Promise<void>((resolve) => c.once('close', (e?: unknown) => (e && failures.push(e), resolve())));
  c.on('error', (e: unknown) => failures.push(e));
  try {
    const ch = await c.createChannel();
    ch.on('error', (e: unknown) => failures.push(e));
    await op(ch);
    // a round trip, so that an asynchronous refusal (of a publish) has arrived
    await ch.checkExchange('amq.direct');
  } catch (err) {
    failures.push(err);
  }
  await c.close().catch(() => {});
  await closed;
  return failures.length === 0 ? 'ok' : describeFailure(failures);
}

/** The first failure that carries a reply code and text (amqplib also reports "Channel ended" and the like). */
function describeFailure(failures: unknown[]): string {
  const messages = failures.map((f) => (f as Error).message);
  for (const message of messages) {
    const m = /(\d{3}) \([A-Z-]+\) with message "(.*)"/s.exec(message);
    if (m) return `${m[1]} ${m[2]}`.replace(/amq\.gen-[A-Za-z0-9_-]{22}/g, 'amq.gen-*');
  }
  return messages[0] ?? 'unknown failure';
}

const refused = (what: string) => `403 ACCESS_REFUSED - access to ${what} in vhost '${VHOST}' refused for user '${USER}'`;
const body = Buffer.from('m');

const unknownType = "503 COMMAND_INVALID - unknown exchange type 'no-such-type'";
const defaultRefused = '403 ACCESS_REFUSED - operation not permitted on the default exchange';
const reserved = (name: string) => `403 ACCESS_REFUSED - queue name '${name}' contains reserved prefix 'amq.*'`;

/**
 * [name, operation, expected outcome, who] — each run on a fresh connection of the limited user
 * (or of the administrator, guest, where the point is not a permission).
 */
const MATRIX: [string, Op, string, 'admin'?][] = [
  // passive declarations need no permission
  ['declare a queue outside configure passively', (ch) => ch.checkQueue('pm.theirs'), 'ok'],
  ['declare an exchange outside configure passively', (ch) => ch.checkExchange('pm.closed'), 'ok'],
  // configure
  ['declare a permitted queue', (ch) => ch.assertQueue('pm.mine.q', { durable: false }), 'ok'],
  ['declare a queue outside configure', (ch) => ch.assertQueue('pm.other', { durable: false }), refused("queue 'pm.other'")],
  ['delete a queue outside configure', (ch) => ch.deleteQueue('pm.theirs'), refused("queue 'pm.theirs'")],
  ['declare an exchange outside configure', (ch) => ch.assertExchange('pm.other', 'direct', { durable: false }), refused("exchange 'pm.other'")],
  ['delete an exchange outside configure', (ch) => ch.deleteExchange('pm.open'), refused("exchange 'pm.open'")],
  // server-named and reserved names (issue 10 point 14)
  ['declare a server-named queue whose amq.gen- name is outside configure', (ch) => ch.assertQueue('', { exclusive: true }), refused("queue 'amq.gen-*'")],
  ['declare a server-named queue as a user who may', (ch) => ch.assertQueue('', { exclusive: true }), 'ok', 'admin'],
  ['declare an amq. queue by name', (ch) => ch.assertQueue('amq.mine', { durable: false }), reserved('amq.mine')],
  [
    'redeclare an existing server-named queue by its name',
    async (ch) => ch.assertQueue((await ch.assertQueue('', { exclusive: true })).queue, { exclusive: true }),
    reserved('amq.gen-*'),
    'admin',
  ],
  // the default exchange (issue 10 point 15)
  ['declare the default exchange', (ch) => ch.assertExchange('', 'direct'), defaultRefused],
  ['declare the default exchange, as administrator', (ch) => ch.assertExchange('', 'direct'), defaultRefused, 'admin'],
  ['declare the default exchange passively', (ch) => ch.checkExchange(''), defaultRefused, 'admin'],
  ['delete the default exchange', (ch) => ch.deleteExchange(''), defaultRefused, 'admin'],
  [
    'delete a system exchange',
    (ch) => ch.deleteExchange('amq.direct'),
    `403 ACCESS_REFUSED - deletion of system exchange 'amq.direct' in vhost '${VHOST}' not allowed`,
    'admin',
  ],
  [
    'delete a system exchange outside configure',
    (ch) => ch.deleteExchange('amq.direct'),
    `403 ACCESS_REFUSED - deletion of system exchange 'amq.direct' in vhost '${VHOST}' not allowed`,
  ],
  ['bind exchanges: the default exchange as destination, not writable', (ch) => ch.bindExchange('', 'pm.open', 'k'), refused("exchange 'amq.default'")],
  ['bind exchanges: the default exchange as destination', (ch) => ch.bindExchange('', 'pm.open', 'k'), defaultRefused, 'admin'],
  ['bind exchanges: the default exchange as source', (ch) => ch.bindExchange('pm.mine.ae-open', '', 'k'), defaultRefused],
  ['unbind exchanges: the default exchange as source', (ch) => ch.unbindExchange('pm.mine.ae-open', '', 'k'), defaultRefused],
  ['bind a queue to the default exchange', (ch) => ch.bindQueue('pm.theirs', '', 'k'), defaultRefused, 'admin'],
  ['bind a missing queue to the default exchange', (ch) => ch.bindQueue('pm.missing', '', 'k'), defaultRefused, 'admin'],
  [
    'bind a missing queue to a missing exchange',
    (ch) => ch.bindQueue('pm.missing', 'pm.nx', 'k'),
    `404 NOT_FOUND - no exchange 'pm.nx' in vhost '${VHOST}'`,
    'admin',
  ],
  ['bind missing exchanges', (ch) => ch.bindExchange('pm.nx1', 'pm.nx2', 'k'), `404 NOT_FOUND - no exchange 'pm.nx2' in vhost '${VHOST}'`, 'admin'],
  ['unbind a binding that does not exist', (ch) => ch.unbindQueue('pm.theirs', 'pm.open', 'nothing'), 'ok', 'admin'],
  // the exchange type is checked before anything else
  ['declare an exchange of an unknown type', (ch) => ch.assertExchange('pm.mine.typo', 'no-such-type'), unknownType, 'admin'],
  ['declare an exchange of an unknown type outside configure', (ch) => ch.assertExchange('pm.other', 'no-such-type'), unknownType],
  ['declare the default exchange with an unknown type', (ch) => ch.assertExchange('', 'no-such-type'), unknownType, 'admin'],
  // dead-letter and alternate exchanges (issue 10 point 12)
  [
    'declare a queue whose dead-letter exchange is not writable',
    (ch) => ch.assertQueue('pm.mine.dlx-closed', { durable: false, arguments: { 'x-dead-letter-exchange': 'pm.closed' } }),
    refused("exchange 'pm.closed'"),
  ],
  [
    'declare a queue dead-lettering to the default exchange, not writable',
    (ch) => ch.assertQueue('pm.mine.dlx-default', { durable: false, arguments: { 'x-dead-letter-exchange': '' } }),
    refused("exchange 'amq.default'"),
  ],
  [
    'declare a queue whose dead-letter exchange is writable',
    (ch) => ch.assertQueue('pm.mine.dlx-open', { durable: false, arguments: { 'x-dead-letter-exchange': 'pm.open' } }),
    'ok',
  ],
  [
    'redeclare an existing queue with an unwritable dead-letter exchange',
    (ch) => ch.assertQueue('pm.mine.pre', { durable: false, arguments: { 'x-dead-letter-exchange': 'pm.closed' } }),
    'ok',
  ],
  [
    'declare an exchange whose alternate exchange is not writable',
    (ch) => ch.assertExchange('pm.mine.ae-closed', 'direct', { durable: false, arguments: { 'alternate-exchange': 'pm.closed' } }),
    refused("exchange 'pm.closed'"),
  ],
  [
    'declare an exchange whose alternate exchange is writable',
    (ch) => ch.assertExchange('pm.mine.ae-open', 'direct', { durable: false, arguments: { 'alternate-exchange': 'pm.open' } }),
    'ok',
  ],
  [
    'redeclare an existing exchange with an unwritable alternate',
    (ch) => ch.assertExchange('pm.mine.prex', 'direct', { durable: false, arguments: { 'alternate-exchange': 'pm.closed' } }),
    'ok',
  ],
  // write and read
  ['publish to an exchange outside write', (ch) => void ch.publish('pm.closed', 'k', body), refused("exchange 'pm.closed'")],
  ['publish to the default exchange outside write', (ch) => void ch.sendToQueue('pm.mine.q', body), refused("exchange 'amq.default'")],
  ['publish to a permitted exchange', (ch) => void ch.publish('pm.open', 'k', body), 'ok'],
  ['consume from a queue outside read', (ch) => ch.consume('pm.theirs', () => {}), refused("queue 'pm.theirs'")],
  ['get from a queue outside read', (ch) => ch.get('pm.theirs'), refused("queue 'pm.theirs'")],
  ['purge a queue outside read', (ch) => ch.purgeQueue('pm.theirs'), refused("queue 'pm.theirs'")],
  ['bind a permitted queue to an exchange outside read', (ch) => ch.bindQueue('pm.mine.q', 'pm.closed', 'k'), refused("exchange 'pm.closed'")],
  ['bind a queue outside write', (ch) => ch.bindQueue('pm.theirs', 'pm.open', 'k'), refused("queue 'pm.theirs'")],
  ['bind exchanges: destination outside write', (ch) => ch.bindExchange('pm.closed', 'pm.open', 'k'), refused("exchange 'pm.closed'")],
  ['bind exchanges: both permitted', (ch) => ch.bindExchange('pm.mine.ae-open', 'pm.open', 'k'), 'ok'],
  // validated user-id (issue 10 point 13)
  [
    "publish with another user's user_id",
    (ch) => void ch.publish('pm.open', 'k', body, { userId: 'someone-else' }),
    `406 PRECONDITION_FAILED - user_id property set to 'someone-else' but authenticated user was '${USER}'`,
  ],
  ['publish with its own user_id', (ch) => void ch.publish('pm.open', 'k', body, { userId: USER }), 'ok'],
  ['consume from a permitted queue', (ch) => ch.consume('pm.mine.q', () => {}), 'ok'],
  ['get from a permitted queue', (ch) => ch.get('pm.mine.q'), 'ok'],
  ['purge a permitted queue', (ch) => ch.purgeQueue('pm.mine.q'), 'ok'],
  [
    'publish to an internal exchange',
    (ch) => void ch.publish('pm.internal', 'k', body),
    `403 ACCESS_REFUSED - cannot publish to internal exchange 'pm.internal' in vhost '${VHOST}'`,
    'admin',
  ],
  [
    'declare and delete a permitted exchange',
    async (ch) => (await ch.assertExchange('pm.mine.gone', 'fanout', { durable: false }), await ch.deleteExchange('pm.mine.gone')),
    'ok',
  ],
  [
    'declare and delete a permitted queue',
    async (ch) => (await ch.assertQueue('pm.mine.gone', { durable: false }), await ch.deleteQueue('pm.mine.gone')),
    'ok',
  ],
  // topic permissions
  ['bind with a permitted topic', (ch) => ch.bindQueue('pm.mine.q', 'pm.topic', 'allowed.x'), 'ok'],
  [
    'bind with a refused topic',
    (ch) => ch.bindQueue('pm.mine.q', 'pm.topic', 'denied.x'),
    `403 ACCESS_REFUSED - access to topic 'denied.x' in exchange 'pm.topic' in vhost '${VHOST}' refused for user '${USER}'`,
  ],
  [
    'unbind with a refused topic',
    (ch) => ch.unbindQueue('pm.mine.q', 'pm.topic', 'denied.x'),
    `403 ACCESS_REFUSED - access to topic 'denied.x' in exchange 'pm.topic' in vhost '${VHOST}' refused for user '${USER}'`,
  ],
  ['unbind with a permitted topic', (ch) => ch.unbindQueue('pm.mine.q', 'pm.topic', 'allowed.x'), 'ok'],
  ['publish with a permitted topic', (ch) => void ch.publish('pm.open', 'allowed.x', body), 'ok'],
];

/** A method frame on channel 1 built by hand: class, method, then raw argument bytes. */
function methodFrame(classId: number, methodId: number, args: Buffer): Buffer {
  const payload = Buffer.concat([Buffer.from([classId >> 8, classId & 0xff, methodId >> 8, methodId & 0xff]), args]);
  const head = Buffer.from([1, 0, 1, 0, 0, 0, 0]);
  head.writeUInt32BE(payload.length, 3);
  return Buffer.concat([head, payload, Buffer.from([0xce])]);
}

const shortstr = (bytes: Buffer) => Buffer.concat([Buffer.from([bytes.length]), bytes]);
const u16 = (n: number) => Buffer.from([n >> 8, n & 0xff]);
/** queue.declare passive (class 50, method 10): reserved short, queue, bits, empty table. */
const passiveQueueDeclare = (name: Buffer) => methodFrame(50, 10, Buffer.concat([u16(0), shortstr(name), Buffer.from([1, 0, 0, 0, 0])]));
/** exchange.declare passive (class 40, method 10): reserved short, exchange, type, bits, empty table. */
const passiveExchangeDeclare = (name: Buffer) =>
  methodFrame(40, 10, Buffer.concat([u16(0), shortstr(name), shortstr(Buffer.from('direct')), Buffer.from([1, 0, 0, 0, 0])]));

/** Sends one hand-made frame as guest and describes the answer. */
async function rawOutcome(b: Broker, frame: Buffer): Promise<string> {
  const c = await RawClient.login(b.port, { vhost: VHOST });
  try {
    await c.openChannel(1);
    c.sendBytes(frame);
    const r = await c.next(WAIT_MS);
    const m = r.method as { id: number; replyCode?: number; replyText?: string; classId?: number; methodId?: number };
    if (m.id === MethodId.CONNECTION_CLOSE || m.id === MethodId.CHANNEL_CLOSE) {
      return `${m.id === MethodId.CONNECTION_CLOSE ? 'connection' : 'channel'} ${m.replyCode} ${m.replyText} (${m.classId}.${m.methodId})`;
    }
    return m.id === MethodId.QUEUE_DECLARE_OK || m.id === MethodId.EXCHANGE_DECLARE_OK ? 'ok' : JSON.stringify(m);
  } finally {
    c.close();
  }
}

const WAIT_MS = 30_000;
const malformed = 'connection 501 FRAME_ERROR - Malformed UTF-8 in shortstr (0.0)';
const notFoundQueue = (name: string) => `channel 404 NOT_FOUND - no queue '${name}' in vhost '${VHOST}' (50.10)`;

/** Names that are not UTF-8 are refused as RabbitMQ refuses them, never collapsed to U+FFFD. */
const UTF8_CASES: [string, Buffer, string][] = [
  ['a queue name with a byte that is never UTF-8', passiveQueueDeclare(Buffer.from([0x71, 0xff])), malformed],
  ['a queue name with an overlong encoding', passiveQueueDeclare(Buffer.from([0x71, 0xc0, 0xaf])), malformed],
  ['a queue name cut inside a character', passiveQueueDeclare(Buffer.from([0x71, 0xe2, 0x82])), malformed],
  ['a queue name with a stray continuation byte', passiveQueueDeclare(Buffer.from([0x71, 0x80])), malformed],
  ['an exchange name that is not UTF-8', passiveExchangeDeclare(Buffer.from([0x78, 0xfe])), malformed],
  ['a queue name in UTF-8 beyond ASCII', passiveQueueDeclare(Buffer.from('pm.é✓', 'utf8')), notFoundQueue('pm.é✓')],
];

/** Opens `vhost` by hand (amqplib does not show the reply of a refused connection.open). */
async function openVhost(b: Broker, as: { user: string; password: string }, vhost: string): Promise<string> {
  const c = await RawClient.open(b.port);
  try {
    c.sendBytes(PROTOCOL_HEADER);
    await c.expect(MethodId.CONNECTION_START, WAIT_MS);
    c.send(0, MethodId.CONNECTION_START_OK, {
      clientProperties: {},
      mechanism: 'PLAIN',
      response: Buffer.from(`\u0000${as.user}\u0000${as.password}`),
      locale: 'en_US',
    });
    const tune = (await c.expect(MethodId.CONNECTION_TUNE, WAIT_MS)).method as { channelMax: number; frameMax: number };
    c.send(0, MethodId.CONNECTION_TUNE_OK, { channelMax: tune.channelMax, frameMax: tune.frameMax, heartbeat: 0 });
    c.send(0, MethodId.CONNECTION_OPEN, { virtualHost: vhost });
    const m = (await c.next(WAIT_MS)).method as { id: number; replyCode: number; replyText: string; classId: number; methodId: number };
    return m.id === MethodId.CONNECTION_OPEN_OK ? 'ok' : `${m.replyCode} ${m.replyText} (${m.classId}.${m.methodId})`;
  } finally {
    c.close();
  }
}

function runMatrix(getBroker: () => Broker): void {
  for (const [name, frame, expected] of UTF8_CASES) {
    it(`answers ${name}`, async () => {
      expect(await rawOutcome(getBroker(), frame)).toBe(expected);
    });
  }

  for (const [name, op, expected, who] of MATRIX) {
    it(name, async () => {
      expect(await outcome(getBroker(), op, who === 'admin' ? ADMIN : undefined)).toBe(expected);
    });
  }

  it('refuses a user without permissions on the vhost at connection.open (530)', async () => {
    expect(await openVhost(getBroker(), STRANGER, VHOST)).toBe(`530 NOT_ALLOWED - access to vhost '${VHOST}' refused for user '${STRANGER.user}' (10.40)`);
    expect(await openVhost(getBroker(), STRANGER, `${VHOST}-missing`)).toBe(`530 NOT_ALLOWED - vhost ${VHOST}-missing not found (10.40)`);
  });

  it('lets a user tagged impersonator publish with any user_id', async () => {
    expect(await outcome(getBroker(), (ch) => void ch.publish('pm.open', 'k', body, { userId: 'someone-else' }), IMPERSONATOR)).toBe('ok');
  });

  it('does not check dead-letter and alternate exchanges that come from a policy, at declaration or routing time', async () => {
    const b = getBroker();
    const put = async (name: string, pattern: string, applyTo: string, definition: object) =>
      expect((await b.api('PUT', `/api/policies/${V}/${name}`, { pattern, 'apply-to': applyTo, definition })).status).toBeLessThan(300);
    await put('pm-dlx', '^pm\\.mine\\.pol$', 'queues', { 'dead-letter-exchange': 'pm.closed' });
    await put('pm-ae', '^pm\\.mine\\.polx$', 'exchanges', { 'alternate-exchange': 'pm.closed' });
    const admin = await connect(b, ADMIN.user, ADMIN.password);
    const adminCh = await admin.createChannel();
    await adminCh.purgeQueue('pm.sink');
    // The policies were set by an administrator: the limited user's messages follow them to
    // pm.closed, where it may not publish itself (RabbitMQ checks only the declared arguments).
    expect(
      await outcome(b, async (ch) => {
        await ch.assertQueue('pm.mine.pol', { durable: false });
        await ch.bindQueue('pm.mine.pol', 'pm.open', 'k');
        await ch.assertExchange('pm.mine.polx', 'direct', { durable: false });
        ch.publish('pm.open', 'k', body, { expiration: '0' });
        ch.publish('pm.mine.polx', 'k', body);
      }),
    ).toBe('ok');
    await waitFor(async () => (await adminCh.checkQueue('pm.sink')).messageCount === 2 || undefined, 'both messages in pm.sink');
    await admin.close();
  });
}

describe('permission matrix on warren', () => {
  let warren: Warren;
  let broker: Broker;
  beforeAll(async () => {
    warren = await startWarren();
    broker = httpBroker({ socketPath: warren.socket }, undefined, `amqp://127.0.0.1:${warren.port}`);
    await setUp(broker);
  });
  afterAll(async () => {
    await tearDown(broker);
    await warren.stop();
  });
  runMatrix(() => broker);
});

describe.skipIf(!RABBITMQ_URL || !RABBITMQ_API_URL)('permission matrix on RabbitMQ (RABBITMQ_URL, RABBITMQ_API_URL)', () => {
  let broker: Broker;
  beforeAll(async () => {
    const api = new URL(RABBITMQ_API_URL!);
    const amqpUrl = new URL(RABBITMQ_URL!);
    broker = httpBroker(
      { host: api.hostname, port: Number(api.port || 15672) },
      { user: decodeURIComponent(api.username || 'guest'), password: decodeURIComponent(api.password || 'guest') },
      `amqp://${amqpUrl.hostname}:${amqpUrl.port || 5672}`,
    );
    await setUp(broker);
  });
  afterAll(async () => {
    await tearDown(broker);
  });
  runMatrix(() => broker);
});
