// TLS for RabbitMQ targets: a CA, server and client certificates made here with openssl; an in-process HTTPS
// server (node:https) that fakes the few management API paths list_users needs and records what the client
// presented; and warren-server's own AMQPS listener (--tls-cert/--tls-key) for amqps://.
// These prove the CLI side (verification, client certificates, --insecure); test/integration/amqps.test.ts the listener.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot, startWarren, type Warren } from '../helpers/warren.js';
import { ctlMain } from '../helpers/ctl-main.js';
import { parseTsv, runCtl } from './ctl.js';

const OPENSSL = ['/usr/bin/openssl', '/bin/openssl'].find((p) => {
  try {
    execFileSync(p, ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
});
if (!OPENSSL) console.warn('[e2e] openssl is not installed: skipping the TLS tests (apt-get install openssl)');

interface Seen {
  clientCn: string | undefined;
  authorization: string | undefined;
}

function listen(server: HttpsServer): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
}

describe.skipIf(!OPENSSL)('TLS: https:// and amqps:// with a CA made by the test', () => {
  let dir: string;
  const file = (name: string) => join(dir, name);
  let lenient: HttpsServer; // asks for a client certificate, accepts connections without one
  let strict: HttpsServer; // requires a client certificate signed by the CA
  let lenientPort = 0;
  let strictPort = 0;
  const seen: Seen[] = [];
  let warren: Warren;
  let amqpsPort = 0;

  const openssl = (...args: string[]) => execFileSync(OPENSSL as string, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  function issue(name: string, cn: string, ca: string, ext: string): void {
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
      '2',
      '-extfile',
      `${name}.ext`,
    );
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'warrenctl-tls-'));
    for (const ca of ['ca', 'other-ca']) {
      openssl('req', '-x509', ...ecKey, '-keyout', `${ca}.key`, '-out', `${ca}.pem`, '-days', '2', '-subj', `/CN=warren test ${ca}`);
    }
    issue('server', 'localhost', 'ca', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
    issue('client', 'warrenctl-client', 'ca', 'extendedKeyUsage=clientAuth\n');
    issue('stranger', 'stranger-client', 'other-ca', 'extendedKeyUsage=clientAuth\n');

    const handler = (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => {
      const socket = req.socket as TLSSocket;
      const peer = socket.getPeerCertificate();
      seen.push({ clientCn: peer && 'subject' in peer && peer.subject ? String(peer.subject.CN) : undefined, authorization: req.headers.authorization });
      res.setHeader('content-type', 'application/json');
      if (req.headers.authorization !== `Basic ${Buffer.from('tls-user:tls-pass').toString('base64')}`) {
        res.statusCode = 401;
        res.end(JSON.stringify({ error: 'not_authorised', reason: 'Login failed' }));
        return;
      }
      if (req.url?.startsWith('/api/users')) {
        res.end(JSON.stringify([{ name: 'tls-user', tags: ['administrator'] }]));
        return;
      }
      res.statusCode = 404;
      res.end(JSON.stringify({ error: 'Object Not Found', reason: 'Not Found' }));
    };
    const tlsOptions = { key: readFileSync(file('server.key')), cert: readFileSync(file('server.pem')), ca: readFileSync(file('ca.pem')) };
    lenient = createHttpsServer({ ...tlsOptions, requestCert: true, rejectUnauthorized: false }, handler);
    strict = createHttpsServer({ ...tlsOptions, requestCert: true, rejectUnauthorized: true }, handler);
    lenientPort = await listen(lenient);
    strictPort = await listen(strict);

    warren = await startWarren({ args: ['--tls-port', '0', '--tls-cert', file('server.pem'), '--tls-key', file('server.key')] });
    amqpsPort = Number(/AMQPS listener on \S+:(\d+)/.exec(warren.output())![1]);
  });

  afterAll(async () => {
    lenient?.close();
    strict?.close();
    await warren?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const url = (port: number) => `https://127.0.0.1:${port}`;
  const ctl = (args: string[], env: NodeJS.ProcessEnv = {}) => ctlMain(args, { env: { WARREN_PASSWORD: 'tls-pass', WARREN_USER: 'tls-user', ...env } });

  it('verifies the server against --tls-ca and sends the credentials from the environment', async () => {
    seen.length = 0;
    const r = await ctl(['--api-url', url(lenientPort), '--tls-ca', file('ca.pem'), 'list_users']);
    expect(r.code, r.stderr).toBe(0);
    expect(parseTsv(r.stdout)).toEqual([{ user: 'tls-user', tags: '[administrator]' }]);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.clientCn).toBeUndefined();
  });

  it('presents the client certificate of --tls-cert/--tls-key', async () => {
    seen.length = 0;
    const r = await ctl([
      '--api-url',
      url(lenientPort),
      '--tls-ca',
      file('ca.pem'),
      '--tls-cert',
      file('client.pem'),
      '--tls-key',
      file('client.key'),
      '-q',
      'list_users',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(seen[0]?.clientCn).toBe('warrenctl-client');
  });

  it('refuses a server whose CA it does not know: exit 78, one line naming the fix', async () => {
    for (const extra of [[], ['--tls-ca', file('other-ca.pem')]]) {
      seen.length = 0;
      const r = await ctl(['--api-url', url(lenientPort), ...extra, '-q', 'list_users']);
      expect(r.code, extra.join(' ')).toBe(78);
      expect(r.stdout).toBe('');
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^Error: TLS: cannot verify the certificate of the management API at https:\/\/127\.0\.0\.1:\d+ \(/);
      expect(lines[0]).toContain('--insecure');
      expect(seen).toHaveLength(0); // no request was sent
    }
  });

  it('--insecure skips verification (and only then)', async () => {
    const r = await ctl(['--api-url', url(lenientPort), '--insecure', '-q', 'list_users']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('tls-user');
  });

  it('a server that requires a client certificate: refused without one (78), accepted with it; a stranger certificate is refused', async () => {
    const base = ['--api-url', url(strictPort), '--tls-ca', file('ca.pem'), '-q', 'list_users'];
    const without = await ctl(base);
    expect(without.code, without.stderr).toBe(78);
    expect(without.stderr.trim().split('\n')).toHaveLength(1);
    expect(without.stderr).toMatch(/client certificate/);
    const stranger = await ctl([...base, '--tls-cert', file('stranger.pem'), '--tls-key', file('stranger.key')]);
    expect(stranger.code, stranger.stderr).toBe(78);
    const withCert = await ctl([...base, '--tls-cert', file('client.pem'), '--tls-key', file('client.key')]);
    expect(withCert.code, withCert.stderr).toBe(0);
  });

  it('a -N profile carries the CA, client certificate, user and password file (paths relative to the config file)', async () => {
    writeFileSync(file('tls.password'), 'tls-pass\n', { mode: 0o600 });
    writeFileSync(
      file('config.toml'),
      [
        '# written by tls.test.ts',
        '[nodes.secure]',
        `api_url = "${url(strictPort)}"`,
        'user = "tls-user"',
        "password_file = 'tls.password'",
        'ca = "ca.pem"',
        'cert = "client.pem"',
        'key = "client.key"',
        '',
        '[nodes."trusting"]',
        `api_url = "${url(lenientPort)}"`,
        'insecure = true',
        '',
      ].join('\n'),
    );
    const env = { WARREN_CONFIG: file('config.toml'), WARREN_USER: '', WARREN_PASSWORD: '' };
    seen.length = 0;
    const r = await runCtl(['-N', 'secure', '-q', 'list_users'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(seen[0]).toEqual({ clientCn: 'warrenctl-client', authorization: `Basic ${Buffer.from('tls-user:tls-pass').toString('base64')}` });

    const show = await runCtl(['-N', 'secure', '--formatter', 'json', 'config', 'show'], { env });
    expect(show.code, show.stderr).toBe(0);
    expect(JSON.parse(show.stdout)).toMatchObject({
      node: 'secure',
      api_url: url(strictPort),
      url: 'amqps://127.0.0.1:5671',
      url_from: 'derived from the API URL',
      user: 'tls-user',
      password: '********',
      tls_ca: file('ca.pem'),
      tls_cert: file('client.pem'),
      tls_key: file('client.key'),
      insecure: false,
    });
    expect(show.stdout).not.toContain('tls-pass');

    const trusting = await runCtl(['-N', 'trusting', '--user', 'tls-user', '--password-file', file('tls.password'), '-q', 'list_users'], { env });
    expect(trusting.code, trusting.stderr).toBe(0);
  });

  it('unreadable TLS files and a certificate without its key: 78 and 64', async () => {
    const missing = await ctl(['--api-url', url(lenientPort), '--tls-ca', file('nope.pem'), '-q', 'list_users']);
    expect(missing.code).toBe(78);
    expect(missing.stderr).toBe(`Error: cannot read the TLS ca file ${file('nope.pem')} (--tls-ca or 'ca' in the profile): ENOENT\n`);
    const half = await ctl(['--api-url', url(lenientPort), '--tls-cert', file('client.pem'), '-q', 'list_users']);
    expect(half.code).toBe(64);
  });

  it('amqps://: resolveAmqpTarget gives amqplib the CA and client certificate; an unknown CA fails, --insecure connects', async () => {
    const { resolveAmqpTarget } = (await import(join(projectRoot, 'dist/src/cli/target.js'))) as typeof import('../../src/cli/target.js');
    const io = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: { HOME: dir } };
    const amqpsUrl = `amqps://guest:guest@127.0.0.1:${amqpsPort}`;
    const target = await resolveAmqpTarget({ globals: { url: amqpsUrl, tlsCa: file('ca.pem'), tlsCert: file('client.pem'), tlsKey: file('client.key') }, io });
    expect(target).toBeDefined();
    expect(target?.display).toBe(`amqps://guest:***@127.0.0.1:${amqpsPort}/%2F`);
    expect(target?.socketOptions.ca?.[0]?.toString()).toBe(readFileSync(file('ca.pem'), 'utf8'));
    const conn = await amqp.connect(target!.url, target!.socketOptions);
    const ch = await conn.createChannel();
    const q = await ch.assertQueue('', { exclusive: true });
    ch.sendToQueue(q.queue, Buffer.from('over tls'));
    const got = await new Promise<string>((resolve) => void ch.consume(q.queue, (m) => m && resolve(m.content.toString()), { noAck: true }));
    expect(got).toBe('over tls');
    await conn.close();

    const untrusted = await resolveAmqpTarget({ globals: { url: amqpsUrl }, io });
    await expect(amqp.connect(untrusted!.url, untrusted!.socketOptions)).rejects.toThrow(/self[- ]signed|unable to verify|certificate/i);
    const insecure = await resolveAmqpTarget({ globals: { url: amqpsUrl, insecure: true }, io });
    expect(insecure?.socketOptions.rejectUnauthorized).toBe(false);
    const c2 = await amqp.connect(insecure!.url, insecure!.socketOptions);
    await c2.close();
    // local daemon: not a remote AMQP target
    expect(await resolveAmqpTarget({ globals: {}, io })).toBeUndefined();
  });
});
