// The one HTTP admin client: RabbitMQ's management API over a Unix socket (local warren daemon) or TCP
// (a real RabbitMQ, or warren's TCP API listener). Plain HTTP uses the small client in http1.ts; https loads node:https.
import { apiReason } from './api-reason.js';
import { CliError, ExitCode } from './exit-codes.js';
import { connect, type Endpoint, type RawResponse, ResponseParser, serializeRequest } from './http1.js';
import type { TlsFiles } from './tls-files.js';

/** A non-2xx answer of the management API, with RabbitMQ's `{"error","reason"}` body when present. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly reason: string,
    readonly method: string,
    readonly path: string,
  ) {
    super(`${method} ${path}: HTTP ${status} ${error}${reason ? `: ${reason}` : ''}`);
    this.name = 'ApiError';
  }
}

export type Transport =
  | { kind: 'unix'; socketPath: string; dataDirHint?: string }
  | {
      kind: 'tcp';
      /** user info in the URL is used when there is no `credentials` */
      url: URL;
      /** several nodes of one cluster (url is the first): a node that does not answer is skipped for the next */
      urls?: URL[];
      /** read or asked on first use (see target.ts) */
      credentials?: () => Promise<Credentials>;
      /** for https:// */
      tls?: TlsFiles;
      /** the -N profile, for messages */
      nodeName?: string;
    };

/** Node's codes for a server certificate that cannot be verified. */
const UNTRUSTED_CERT_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

export interface Credentials {
  username: string;
  password: string;
}

export interface CallOptions {
  /** JSON-encoded as the request body */
  json?: unknown;
  /** sent verbatim (application/json) */
  rawBody?: string;
  headers?: Record<string, string>;
  /** overrides the transport's credentials (used by authenticate_user) */
  auth?: Credentials;
  /** query parameters */
  query?: Record<string, string>;
}

export interface ApiResponse {
  status: number;
  body: unknown;
  text: string;
}

/** `/` -> `%2F`, as the management API wants every path segment. */
export function seg(value: string): string {
  return encodeURIComponent(value);
}

/** Without --timeout, a TCP target that accepts but does not answer is given up after this long (exit 75). */
export const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;

/** Failures that mean "this node does not answer", after which the next node of a cluster is tried. */
const nodeDown = new WeakMap<CliError, { sent: boolean }>();

export class AdminClient {
  private tlsFiles: Promise<{ ca?: Buffer; cert?: Buffer; key?: Buffer }> | undefined;
  /** index into transport.urls of the node that answered last */
  private current = 0;
  /** nodes skipped because they did not answer (for messages and tests) */
  readonly skipped: string[] = [];

  constructor(
    readonly transport: Transport,
    private readonly timeoutMs: number | undefined,
  ) {}

  /** Human description of where requests go, for messages. */
  describe(): string {
    const t = this.transport;
    if (t.kind === 'unix') return `control socket ${t.socketPath}`;
    return this.describeUrl(this.currentUrl());
  }

  private describeUrl(url: URL): string {
    const t = this.transport;
    return `management API at ${redact(url)}${t.kind === 'tcp' && t.nodeName ? ` (node ${t.nodeName})` : ''}`;
  }

  /** The node requests go to now (the first of several until it fails to answer). */
  currentUrl(): URL {
    const t = this.transport;
    if (t.kind !== 'tcp') throw new Error('not a TCP transport');
    return t.urls?.[this.current] ?? t.url;
  }

  async get<T = unknown>(path: string, options: CallOptions = {}): Promise<T> {
    return (await this.call('GET', path, options)).body as T;
  }

  async put(path: string, options: CallOptions = {}): Promise<ApiResponse> {
    return this.call('PUT', path, options);
  }

  async post(path: string, options: CallOptions = {}): Promise<ApiResponse> {
    return this.call('POST', path, options);
  }

  async delete(path: string, options: CallOptions = {}): Promise<ApiResponse> {
    return this.call('DELETE', path, options);
  }

  /** Like request(), but throws ApiError for any non-2xx status. */
  async call(method: string, path: string, options: CallOptions = {}): Promise<ApiResponse> {
    const res = await this.request(method, path, options);
    if (res.status < 200 || res.status > 299) {
      const body = res.body as { error?: unknown; reason?: unknown } | undefined;
      const error = typeof body?.error === 'string' ? body.error : res.text.trim().slice(0, 200) || `HTTP ${res.status}`;
      const reason = apiReason(body?.reason);
      throw new ApiError(res.status, error, reason, method, path);
    }
    return res;
  }

  /**
   * One HTTP exchange; resolves with any status. Connection failures -> CliError 69, timeouts -> CliError 75.
   * With several nodes, one that refuses the connection or does not answer is skipped for the next (a request
   * that was sent is only retried elsewhere when it is a GET, PUT or DELETE, which RabbitMQ treats as idempotent).
   */
  async request(method: string, path: string, options: CallOptions = {}): Promise<ApiResponse> {
    const t = this.transport;
    const urls = t.kind === 'tcp' ? (t.urls ?? [t.url]) : [];
    if (urls.length < 2) return this.requestTo(t.kind === 'tcp' ? t.url : undefined, method, path, options);
    const failures: string[] = [];
    let allTimeouts = true;
    for (let i = 0; i < urls.length; i++) {
      const index = (this.current + i) % urls.length;
      const url = urls[index] as URL;
      try {
        const res = await this.requestTo(url, method, path, options);
        this.current = index;
        return res;
      } catch (e) {
        const down = e instanceof CliError ? nodeDown.get(e) : undefined;
        if (!down || (down.sent && method === 'POST')) throw e;
        if ((e as CliError).exitCode !== ExitCode.TEMP_FAIL) allTimeouts = false;
        failures.push((e as Error).message);
        this.skipped.push(redact(url));
      }
    }
    throw new CliError(allTimeouts ? ExitCode.TEMP_FAIL : ExitCode.UNAVAILABLE, `none of the ${urls.length} nodes answered: ${failures.join('; ')}`);
  }

  private async requestTo(url: URL | undefined, method: string, path: string, options: CallOptions): Promise<ApiResponse> {
    // no Accept header: RabbitMQ answers 406 to `Accept: application/json` on body-less resources (queue contents)
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(options.headers ?? {})) headers[k.toLowerCase()] = v;
    let payload: string | undefined;
    if (options.rawBody !== undefined) payload = options.rawBody;
    else if (options.json !== undefined) payload = JSON.stringify(options.json);
    if (payload !== undefined) headers['content-type'] = 'application/json';
    const query = options.query && Object.keys(options.query).length ? `?${new URLSearchParams(options.query).toString()}` : '';
    const t = this.transport;
    let endpoint: Endpoint;
    let fullPath: string;
    let hostHeader: string;
    if (t.kind === 'unix') {
      endpoint = { socketPath: t.socketPath };
      fullPath = `${path}${query}`;
      hostHeader = 'localhost';
      if (options.auth) headers.authorization = basic(options.auth);
    } else {
      const u = url ?? t.url;
      const auth =
        options.auth ??
        (t.credentials
          ? await t.credentials()
          : u.username
            ? { username: decodeURIComponent(u.username), password: decodeURIComponent(u.password) }
            : undefined);
      if (auth) headers.authorization = basic(auth);
      const https = u.protocol === 'https:';
      endpoint = { host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port || (https ? 443 : 80)) };
      fullPath = `${u.pathname.replace(/\/+$/, '')}${path}${query}`;
      hostHeader = u.host;
      if (https) return this.httpsRequest(u, t.tls ?? { insecure: false }, method, fullPath, headers, payload, path);
    }
    const wire = serializeRequest({ method, path: fullPath, headers, body: payload }, hostHeader);
    const where = t.kind === 'tcp' ? this.describeUrl(url ?? t.url) : this.describe();
    // --timeout bounds the whole exchange; without it a TCP node gets DEFAULT_CONNECT_TIMEOUT_MS to connect and start answering
    const limit = this.timeoutMs ?? (t.kind === 'tcp' ? DEFAULT_CONNECT_TIMEOUT_MS : undefined);
    const untilAnswer = this.timeoutMs === undefined;

    return new Promise<ApiResponse>((resolve, reject) => {
      const parser = new ResponseParser(method);
      const socket = connect(endpoint);
      let settled = false;
      let sent = false;
      let timer: NodeJS.Timeout | undefined;
      const finish = (err: Error | undefined, res?: RawResponse): void => {
        if (settled) return;
        settled = true;
        if (timer) clearTimeout(timer);
        socket.destroy();
        if (err) {
          const failure = this.translate(err, where);
          if (t.kind === 'tcp' && failure instanceof CliError && (failure.exitCode === ExitCode.UNAVAILABLE || failure.exitCode === ExitCode.TEMP_FAIL))
            nodeDown.set(failure, { sent });
          reject(failure);
        } else if (res) resolve(toApiResponse(res.status, res.body));
      };
      if (limit !== undefined) {
        const what = untilAnswer ? `no answer from the ${where} to ${method} ${path} (--timeout to wait longer)` : `waiting for ${method} ${path} (${where})`;
        timer = setTimeout(() => finish(new CliError(ExitCode.TEMP_FAIL, `timed out after ${formatSeconds(limit)}: ${what}`)), limit);
      }
      socket.on('connect', () => {
        sent = true;
        socket.write(wire);
      });
      socket.on('data', (chunk: Buffer) => {
        // the node answers: without --timeout, a long response is not cut short
        if (untilAnswer && timer) {
          clearTimeout(timer);
          timer = undefined;
        }
        try {
          const res = parser.feed(chunk);
          if (res) finish(undefined, res);
        } catch (e) {
          finish(e as Error);
        }
      });
      socket.on('end', () => {
        try {
          finish(undefined, parser.end());
        } catch (e) {
          finish(e as Error);
        }
      });
      socket.on('error', (e) => finish(e));
      socket.on('close', () => finish(new Error('connection closed before a complete HTTP response')));
    });
  }

  /** TLS goes through node:https (loaded only for https:// URLs). */
  private async httpsRequest(
    url: URL,
    tls: TlsFiles,
    method: string,
    fullPath: string,
    headers: Record<string, string>,
    payload: string | undefined,
    path: string,
  ): Promise<ApiResponse> {
    const [{ request }, { loadTlsFiles }] = await Promise.all([import('node:https'), import('./tls-files.js')]);
    this.tlsFiles ??= loadTlsFiles(tls);
    const pem = await this.tlsFiles;
    if (payload !== undefined) headers['content-length'] = String(Buffer.byteLength(payload));
    const options = {
      host: url.hostname.replace(/^\[|\]$/g, ''),
      port: url.port || 443,
      path: fullPath,
      method,
      headers,
      agent: false,
      rejectUnauthorized: !tls.insecure,
      ...pem,
    };
    return new Promise<ApiResponse>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const req = request(options, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          if (timer) clearTimeout(timer);
          resolve(toApiResponse(res.statusCode ?? 0, Buffer.concat(chunks)));
        });
      });
      // TLS 1.3 clients learn that their certificate was refused only after the handshake, often as a bare reset
      let handshakeDone = false;
      req.on('socket', (socket) => socket.once('secureConnect', () => (handshakeDone = true)));
      req.on('error', (e) => {
        if (timer) clearTimeout(timer);
        const code = (e as NodeJS.ErrnoException).code;
        if (handshakeDone && (code === 'ECONNRESET' || code === 'EPIPE')) {
          const hint = pem.cert ? 'it may not trust the client certificate of --tls-cert' : 'it may require a client certificate (--tls-cert and --tls-key)';
          reject(new CliError(ExitCode.CONFIG, `cannot reach the ${this.describe()}: the server closed the TLS connection after the handshake; ${hint}`));
          return;
        }
        const failure = this.translate(e, this.describeUrl(url));
        if (failure instanceof CliError && (failure.exitCode === ExitCode.UNAVAILABLE || failure.exitCode === ExitCode.TEMP_FAIL))
          nodeDown.set(failure, { sent: handshakeDone });
        reject(failure);
      });
      const limit = this.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
      timer = setTimeout(
        () => req.destroy(new CliError(ExitCode.TEMP_FAIL, `timed out after ${formatSeconds(limit)} waiting for ${method} ${path} (${this.describeUrl(url)})`)),
        limit,
      );
      req.end(payload);
    });
  }

  private translate(e: unknown, where = this.describe()): Error {
    if (e instanceof CliError) return e;
    const code = (e as NodeJS.ErrnoException).code ?? '';
    const t = this.transport;
    if (t.kind === 'unix') {
      const start = t.dataDirHint ? `warren-server --data-dir ${t.dataDirHint}` : 'warren-server';
      if (code === 'ENOENT')
        return new CliError(ExitCode.UNAVAILABLE, `warren-server is not running (no control socket at ${t.socketPath}). Start it with: ${start}`);
      if (code === 'ECONNREFUSED')
        return new CliError(ExitCode.UNAVAILABLE, `warren-server is not running (control socket ${t.socketPath} refuses connections). Start it with: ${start}`);
      if (code === 'EACCES')
        return new CliError(ExitCode.NO_PERMISSION, `permission denied on control socket ${t.socketPath} (it belongs to the user running warren-server)`);
    }
    if (UNTRUSTED_CERT_CODES.has(code)) {
      const hint =
        t.kind === 'tcp' && t.tls?.ca
          ? `it is not signed by the CA in ${t.tls.ca}`
          : 'give the CA that signed it with --tls-ca FILE (or ca in the node profile)';
      return new CliError(
        ExitCode.CONFIG,
        `TLS: cannot verify the certificate of the ${where} (${code}: ${(e as Error).message}); ${hint}, or skip verification with --insecure`,
      );
    }
    if (code.startsWith('ERR_SSL_') || code === 'EPROTO') {
      const alert = /alert (certificate required|bad certificate|unknown ca|certificate unknown|handshake failure)/i.exec((e as Error).message)?.[1];
      const hint = alert
        ? `the server refused the TLS handshake (${alert.toLowerCase()}): it may want a client certificate it trusts (--tls-cert and --tls-key)`
        : `TLS handshake failed (${code})`;
      return new CliError(ExitCode.CONFIG, `cannot reach the ${where}: ${hint}`);
    }
    if (['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'EPIPE', 'EAI_AGAIN', 'ENOENT', 'ENOTSOCK'].includes(code)) {
      return new CliError(ExitCode.UNAVAILABLE, `cannot reach the ${where}: ${code}`);
    }
    return new CliError(ExitCode.UNAVAILABLE, `request to the ${where} failed: ${(e as Error).message}`);
  }
}

function toApiResponse(status: number, raw: Buffer): ApiResponse {
  const text = raw.toString('utf8');
  let body: unknown = undefined;
  if (text.length > 0) {
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
  }
  return { status, body, text };
}

function basic(c: Credentials): string {
  return `Basic ${Buffer.from(`${c.username}:${c.password}`, 'utf8').toString('base64')}`;
}

function redact(url: URL): string {
  const u = new URL(url.href);
  if (u.password) u.password = '***';
  return u.href.replace(/\/$/, '');
}

export function formatSeconds(ms: number): string {
  // under a second in ms: never 'timed out after 0.0 s'
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
}
