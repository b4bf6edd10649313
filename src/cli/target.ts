// Where warrenctl talks to. The rules (flags > -N profile > environment > local daemon) are in config/resolve.ts;
// this file turns a resolved target into what the clients need:
//   resolveTransport()  -> the admin client's transport (Unix socket, or TCP/TLS with lazy credentials)
//   resolveAmqpTarget() -> the AMQP URL + amqplib socket options of a RabbitMQ target, or undefined for the
//                          local daemon (whose AMQP URL the messaging commands find themselves)
import { readFile } from 'node:fs/promises';
import type { Credentials, Transport } from './admin-client.js';
import { type Credential, maskUrl, type RemoteTarget, type ResolvedTarget, resolveTarget, type TargetGlobals, type TlsSettings } from './config/resolve.js';
import { CliError, ExitCode } from './exit-codes.js';
import type { Io } from './io.js';
import { loadTlsFiles, type TlsFiles } from './tls-files.js';

export { defaultDataDir, SOCKET_NAME, resolveTarget, type ResolvedTarget, type RemoteTarget } from './config/resolve.js';

/** What prompting needs: the streams (is this a terminal?) and --yes (never prompt). */
export interface PromptIo {
  io?: Io;
  yes?: boolean;
}

export function resolveTransport(g: TargetGlobals, env: NodeJS.ProcessEnv, prompt: PromptIo = {}): Transport {
  return transportFor(resolveTarget(g, env), prompt);
}

export function transportFor(target: ResolvedTarget, prompt: PromptIo = {}): Transport {
  if (target.kind === 'local') {
    const t: Transport = { kind: 'unix', socketPath: target.socketPath };
    if (target.dataDirHint !== undefined) t.dataDirHint = target.dataDirHint;
    return t;
  }
  const t: Transport = { kind: 'tcp', url: target.apiUrl, credentials: credentialProvider(target.apiCredential, maskUrl(target.apiUrl), prompt) };
  if (target.apiUrl.protocol === 'https:') t.tls = tlsFiles(target.tls);
  if (target.node) t.nodeName = target.node.name;
  if (target.apiUrls.length > 1) t.urls = target.apiUrls;
  return t;
}

/** amqplib's connect(url, socketOptions) for amqps://: passed to tls.connect. */
export interface AmqpSocketOptions {
  ca?: Buffer[];
  cert?: Buffer;
  key?: Buffer;
  rejectUnauthorized?: boolean;
  servername?: string;
}

export interface AmqpTarget {
  /** amqp(s)://user:password@host:port/vhost, ready for amqplib.connect(url, socketOptions) */
  url: string;
  /** the same with the password as *** (for messages) */
  display: string;
  socketOptions: AmqpSocketOptions;
  vhost: string;
  /** the -N profile, if one was used */
  node?: string;
  /** every node (url is the first), as url/display pairs, when several nodes of a cluster were named */
  alternates: { url: string; display: string }[];
}

export interface AmqpTargetContext extends PromptIo {
  globals: TargetGlobals;
  io: Io;
}

/**
 * The AMQP side of a RabbitMQ target (or of any node given by --url / -N / $WARREN_URL / --api-url), or
 * undefined when the command should use the local warren daemon. Credentials are filled in (which may prompt
 * on a terminal, once); the vhost is -p, else the URL's own, else the profile's, else /.
 */
export async function resolveAmqpTarget(ctx: AmqpTargetContext): Promise<AmqpTarget | undefined> {
  const target = resolveTarget(ctx.globals, ctx.io.env);
  if (target.kind === 'local') return undefined;
  return amqpTargetOf(target, ctx);
}

export async function amqpTargetOf(target: RemoteTarget, prompt: PromptIo & { globals: Pick<TargetGlobals, 'vhost'> }): Promise<AmqpTarget> {
  const creds = await credentialProvider(target.amqpCredential, maskUrl(target.amqpUrl), prompt)();
  const url = new URL(target.amqpUrl.href);
  const ownVhost = url.pathname.length > 1 ? decodeURIComponent(url.pathname.slice(1)) : undefined;
  const vhost = prompt.globals.vhost ?? ownVhost ?? target.vhost ?? '/';
  const complete = (u: URL): URL => {
    u.username = encodeURIComponent(creds.username);
    u.password = encodeURIComponent(creds.password);
    u.pathname = `/${encodeURIComponent(vhost)}`;
    return u;
  };
  complete(url);
  const alternates = target.amqpUrls.map((u) => complete(new URL(u.href))).map((u) => ({ url: u.href, display: maskUrl(u) }));
  const socketOptions: AmqpSocketOptions = {};
  if (url.protocol === 'amqps:') {
    const files = tlsFiles(target.tls);
    const loaded = await loadTlsFiles(files);
    if (loaded.ca) socketOptions.ca = [loaded.ca];
    if (loaded.cert) socketOptions.cert = loaded.cert;
    if (loaded.key) socketOptions.key = loaded.key;
    if (files.insecure) socketOptions.rejectUnauthorized = false;
    socketOptions.servername = url.hostname.replace(/^\[|\]$/g, '');
  }
  const out: AmqpTarget = { url: url.href, display: maskUrl(url), socketOptions, vhost, alternates };
  if (target.node) out.node = target.node.name;
  return out;
}

function tlsFiles(tls: TlsSettings): TlsFiles {
  const f: TlsFiles = { insecure: tls.insecure };
  if (tls.ca !== undefined) f.ca = tls.ca;
  if (tls.cert !== undefined) f.cert = tls.cert;
  if (tls.key !== undefined) f.key = tls.key;
  return f;
}

const memo = new WeakMap<Credential, Promise<Credentials>>();

/** The password is read (file) or asked (terminal) on first use only, and once per run. */
export function credentialProvider(c: Credential, where: string, prompt: PromptIo): () => Promise<Credentials> {
  return () => {
    let p = memo.get(c);
    if (!p) {
      p = obtain(c, where, prompt);
      memo.set(c, p);
    }
    return p;
  };
}

async function obtain(c: Credential, where: string, prompt: PromptIo): Promise<Credentials> {
  const pw = c.password;
  if (pw.from === 'value') return { username: c.user, password: pw.value };
  if (pw.from === 'file') {
    try {
      const { firstLine } = await import('./prompt.js');
      return { username: c.user, password: firstLine(await readFile(pw.file, 'utf8')) };
    } catch (e) {
      throw new CliError(
        ExitCode.CONFIG,
        `cannot read the password file ${pw.file} (${pw.where}): ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      );
    }
  }
  const { isInteractive, promptPassword } = await import('./prompt.js');
  if (prompt.io && isInteractive(prompt.io) && prompt.yes !== true) {
    return { username: c.user, password: await promptPassword(`Password for ${c.user} at ${where}:`) };
  }
  throw new CliError(
    ExitCode.USAGE,
    `no password for user '${c.user}' (${c.userFrom}) at ${where}: use --password-file FILE, password_file in the node's profile, or $WARREN_PASSWORD${prompt.yes ? '' : ', or run on a terminal to be asked'}`,
  );
}
