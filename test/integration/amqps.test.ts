// warren-server's own AMQPS listener (--tls-cert/--tls-key/--tls-ca/--tls-port/--tls-verify/
// --tls-fail-if-no-peer-cert, as RabbitMQ's ssl_options), with a CA and certificates made here
// with openssl: amqplib and pika over amqps, client certificates required, wrong CA, expired
// certificate, TLS 1.2+ only, and certificate reload on SIGHUP without dropping connections.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/wait.js';
import { startWarren, type Warren } from '../helpers/warren.js';

const OPENSSL = ['/usr/bin/openssl', '/bin/openssl'].find((p) => spawnSync(p, ['version']).status === 0);
const PYTHON = '/usr/bin/python3';
const hasPika = spawnSync(PYTHON, ['-c', 'import pika']).status === 0;
if (!OPENSSL) console.warn('[amqps] openssl is not installed: skipping the AMQPS tests');

describe.skipIf(!OPENSSL)('AMQPS listener', () => {
  let dir: string;
  let warren: Warren;
  let port = 0;
  const file = (name: string): string => join(dir, name);
  const pem = (name: string): Buffer => readFileSync(file(name));
  const openssl = (...args: string[]): void => void execFileSync(OPENSSL!, args, { cwd: dir, stdio: 'ignore' });
  const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  function issue(name: string, cn: string, ca: string, days: number, ext = ''): void {
    openssl('req', ...ecKey, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
    writeFileSync(file(`${name}.ext`), ext);
    openssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      `${ca}.pem`,
      '-CAkey',
      `${ca}.key`,
      '-CAcreateserial',
      '-out',
      `${name}.pem`,
      '-days',
      String(days),
      '-extfile',
      `${name}.ext`,
    );
  }
  const serverExt = 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n';
  const clientExt = 'extendedKeyUsage=clientAuth\n';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'warren-amqps-'));
    for (const ca of ['ca', 'other-ca'])
      openssl('req', '-x509', ...ecKey, '-keyout', `${ca}.key`, '-out', `${ca}.pem`, '-days', '2', '-subj', `/CN=warren test ${ca}`);
    issue('server', 'localhost', 'ca', 2, serverExt);
    issue('server2', 'localhost', 'ca', 3, serverExt);
    issue('client', 'amqps-client', 'ca', 2, clientExt);
    issue('stranger', 'stranger', 'other-ca', 2, clientExt);
    issue('expired', 'expired', 'ca', -1, clientExt);
    copyFileSync(file('server.pem'), file('live.pem'));
    copyFileSync(file('server.key'), file('live.key'));
    warren = await startWarren({
      args: [
        '--tls-port',
        '0',
        '--tls-cert',
        file('live.pem'),
        '--tls-key',
        file('live.key'),
        '--tls-ca',
        file('ca.pem'),
        '--tls-verify',
        'peer',
        '--tls-fail-if-no-peer-cert',
      ],
    });
    port = Number(/AMQPS listener on \S+:(\d+)/.exec(warren.output())![1]);
  });
  afterAll(async () => {
    await warren?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const clientTls = (cert = 'client'): ConnectionOptions => ({ ca: pem('ca.pem'), cert: pem(`${cert}.pem`), key: pem(`${cert}.key`), servername: 'localhost' });
  const url = (): string => `amqps://guest:guest@localhost:${port}`;

  /** A raw TLS handshake, then whether the server keeps the connection (answers the protocol header). */
  function probe(options: ConnectionOptions): Promise<{ ok: boolean; socket?: TLSSocket; error?: string }> {
    return new Promise((resolve) => {
      const socket = tlsConnect({ host: '127.0.0.1', port, ...options }, () => socket.write(Buffer.from('AMQP\x00\x00\x09\x01', 'latin1')));
      socket.once('data', () => resolve({ ok: true, socket }));
      socket.once('error', (err) => resolve({ ok: false, error: err.message }));
      socket.once('close', () => resolve({ ok: false, error: 'closed' }));
    });
  }

  it('serves amqplib over amqps with a client certificate signed by the CA', async () => {
    const c = await amqp.connect(url(), clientTls() as Parameters<typeof amqp.connect>[1]);
    const ch = await c.createChannel();
    const q = (await ch.assertQueue('', { exclusive: true })).queue;
    ch.sendToQueue(q, Buffer.from('over tls'));
    const m = await waitFor(async () => (await ch.get(q, { noAck: true })) || undefined, 'the message back');
    expect(m.content.toString()).toBe('over tls');
    await c.close();
  });

  it.skipIf(!hasPika)('serves pika over amqps', () => {
    const script = `
import pika, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[2])
ctx.load_cert_chain(sys.argv[3], sys.argv[4])
params = pika.ConnectionParameters(host='localhost', port=int(sys.argv[1]), ssl_options=pika.SSLOptions(ctx, 'localhost'), credentials=pika.PlainCredentials('guest', 'guest'))
conn = pika.BlockingConnection(params)
ch = conn.channel()
q = ch.queue_declare('', exclusive=True).method.queue
ch.basic_publish('', q, b'pika over tls')
for _ in range(100):
    m = ch.basic_get(q, auto_ack=True)
    if m[0]:
        print(m[2].decode()); break
conn.close()
`;
    const r = spawnSync(PYTHON, ['-c', script, String(port), file('ca.pem'), file('client.pem'), file('client.key')], { encoding: 'utf8', timeout: 30_000 });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('pika over tls');
  });

  it('refuses a client without a certificate (--tls-fail-if-no-peer-cert)', async () => {
    const r = await probe({ ca: pem('ca.pem'), servername: 'localhost' });
    expect(r.ok).toBe(false);
    await expect(amqp.connect(url(), { ca: pem('ca.pem'), servername: 'localhost' })).rejects.toThrow();
  });

  it('refuses a client certificate from another CA, and an expired one', async () => {
    expect((await probe(clientTls('stranger'))).ok).toBe(false);
    expect((await probe(clientTls('expired'))).ok).toBe(false);
    expect((await probe(clientTls('client'))).ok).toBe(true);
  });

  it('is refused by a client that does not trust its CA', async () => {
    const r = await probe({ ...clientTls(), ca: pem('other-ca.pem') });
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(/certificate/i);
  });

  it('speaks TLS 1.2 and 1.3 only', async () => {
    const old = await probe({ ...clientTls(), minVersion: 'TLSv1', maxVersion: 'TLSv1.1' });
    expect(old.ok).toBe(false);
    for (const version of ['TLSv1.2', 'TLSv1.3'] as const) {
      const r = await probe({ ...clientTls(), minVersion: version, maxVersion: version });
      expect(r.ok).toBe(true);
      expect(r.socket!.getProtocol()).toBe(version);
      r.socket!.destroy();
    }
  });

  it('with --tls-verify peer alone, admits a client without a certificate but still refuses a bad one', async () => {
    const lenient = await startWarren({
      args: ['--tls-port', '0', '--tls-cert', file('server.pem'), '--tls-key', file('server.key'), '--tls-ca', file('ca.pem'), '--tls-verify', 'peer'],
    });
    const strictPort = port;
    try {
      port = Number(/AMQPS listener on \S+:(\d+)/.exec(lenient.output())![1]);
      const none = await probe({ ca: pem('ca.pem'), servername: 'localhost' });
      expect(none.ok).toBe(true);
      none.socket!.destroy();
      expect((await probe(clientTls('stranger'))).ok).toBe(false);
      await waitFor(() => lenient.output().includes('peer certificate refused'), 'the refusal logged');
      const good = await probe(clientTls());
      expect(good.ok).toBe(true);
      good.socket!.destroy();
    } finally {
      port = strictPort;
      await lenient.stop();
    }
  });

  it('serves the management UI and API over HTTPS with the same certificate and client-certificate rules', async () => {
    const m = /management API HTTPS listener on \S+:(\d+)/.exec(warren.output());
    expect(m, warren.output()).not.toBeNull();
    const get = (path: string, options: RequestOptions): Promise<{ status?: number; body?: string; error?: string }> =>
      new Promise((resolve) => {
        const req = httpsRequest({ host: '127.0.0.1', port: Number(m![1]), path, auth: 'guest:guest', servername: 'localhost', ...options }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (body += d));
          res.on('end', () => resolve({ status: res.statusCode!, body }));
        });
        req.on('error', (err) => resolve({ error: err.message }));
        req.end();
      });
    const withCert = { ca: pem('ca.pem'), cert: pem('client.pem'), key: pem('client.key') };
    const api = await get('/api/overview', withCert);
    expect(api.status, api.error).toBe(200);
    expect(JSON.parse(api.body!)).toHaveProperty('node');
    expect((await get('/', withCert)).status).toBe(200);
    // --tls-fail-if-no-peer-cert holds here as on the AMQPS listener
    const none = await get('/api/overview', { ca: pem('ca.pem') });
    expect(none.status).toBeUndefined();
    expect(none.error).toBeDefined();
  });

  it('reloads its certificate on SIGHUP without dropping open connections', async () => {
    const before = await probe(clientTls());
    const serialBefore = before.socket!.getPeerCertificate().serialNumber;
    const open = await amqp.connect(url(), clientTls() as Parameters<typeof amqp.connect>[1]);
    const ch = await open.createChannel();
    copyFileSync(file('server2.pem'), file('live.pem'));
    copyFileSync(file('server2.key'), file('live.key'));
    warren.process.kill('SIGHUP');
    await waitFor(() => warren.output().includes('TLS certificates reloaded'), 'the reload');
    const after = await probe(clientTls());
    expect(after.socket!.getPeerCertificate().serialNumber).not.toBe(serialBefore);
    expect(after.socket!.getPeerCertificate().serialNumber).toBe(new (await import('node:crypto')).X509Certificate(pem('server2.pem')).serialNumber);
    // The connection opened before the reload still works.
    await ch.checkQueue((await ch.assertQueue('', { exclusive: true })).queue);
    await open.close();
    before.socket!.destroy();
    after.socket!.destroy();
  });
});

describe.skipIf(!OPENSSL)('AMQPS options', () => {
  it('refuses --tls-cert without --tls-key (64) and an unreadable certificate (78), in one line', async () => {
    const { serverBin } = await import('../helpers/warren.js');
    const dataDir = mkdtempSync(join(tmpdir(), 'warren-amqps-opt-'));
    try {
      const run = (...args: string[]) =>
        spawnSync(process.execPath, [serverBin, '--port', '0', '--no-management', '--no-metrics', '--data-dir', dataDir, ...args], { encoding: 'utf8' });
      const half = run('--tls-cert', '/nonexistent.pem');
      expect(half.status).toBe(64);
      expect(half.stderr).toBe('error: --tls-cert and --tls-key go together\n');
      const missing = run('--tls-cert', '/nonexistent.pem', '--tls-key', '/nonexistent.key');
      expect(missing.status).toBe(78);
      expect(missing.stderr).toBe('error: cannot read the TLS certificate /nonexistent.pem: ENOENT\n');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
