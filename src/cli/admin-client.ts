// The one HTTP admin client: RabbitMQ's management API over a Unix socket (local warren daemon) or TCP
// (a real RabbitMQ, or warren's TCP API listener). Only node:http is loaded up front; https on demand.
import { request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { ApiError } from './api-error.js';
import { CliError } from './cli-error.js';
import { ExitCode } from './exit-codes.js';

export type Transport =
  | { kind: 'unix'; socketPath: string; dataDirHint?: string }
  | { kind: 'tcp'; url: URL };

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

export class AdminClient {
  constructor(
    readonly transport: Transport,
    private readonly timeoutMs: number | undefined,
  ) {}

  /** Human description of where requests go, for messages. */
  describe(): string {
    return this.transport.kind === 'unix' ? `control socket ${this.transport.socketPath}` : `management API at ${redact(this.transport.url)}`;
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
      const error = typeof body?.error === 'string' ? body.error : res.text.slice(0, 200) || 'error';
      const reason = typeof body?.reason === 'string' ? body.reason : '';
      throw new ApiError(res.status, error, reason, method, path);
    }
    return res;
  }

  /** One HTTP exchange; resolves with any status. Connection failures -> CliError 69, timeouts -> CliError 75. */
  async request(method: string, path: string, options: CallOptions = {}): Promise<ApiResponse> {
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    let payload: string | undefined;
    if (options.rawBody !== undefined) payload = options.rawBody;
    else if (options.json !== undefined) payload = JSON.stringify(options.json);
    if (payload !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(Buffer.byteLength(payload));
    }
    const query = options.query ? `?${new URLSearchParams(options.query).toString()}` : '';
    const t = this.transport;
    let reqOptions: RequestOptions;
    let useHttps = false;
    if (t.kind === 'unix') {
      reqOptions = { socketPath: t.socketPath, path: `${path}${query}`, method, headers, agent: false };
      if (options.auth) headers.authorization = basic(options.auth);
    } else {
      const base = t.url.pathname.replace(/\/+$/, '');
      const auth = options.auth ?? (t.url.username ? { username: decodeURIComponent(t.url.username), password: decodeURIComponent(t.url.password) } : undefined);
      if (auth) headers.authorization = basic(auth);
      useHttps = t.url.protocol === 'https:';
      reqOptions = {
        host: t.url.hostname.replace(/^\[|\]$/g, ''),
        port: t.url.port || (useHttps ? 443 : 80),
        path: `${base}${path}${query}`,
        method,
        headers,
        agent: false,
      };
    }
    const doRequest = useHttps ? (await import('node:https')).request : httpRequest;

    return new Promise<ApiResponse>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const req = doRequest(reqOptions, (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (e) => fail(e));
        res.on('end', () => {
          if (timer) clearTimeout(timer);
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = undefined;
          if (text.length > 0) {
            try {
              body = JSON.parse(text);
            } catch {
              body = undefined;
            }
          }
          resolve({ status: res.statusCode ?? 0, body, text });
        });
      });
      const fail = (e: unknown): void => {
        if (timer) clearTimeout(timer);
        reject(this.translate(e));
      };
      req.on('error', fail);
      if (this.timeoutMs !== undefined) {
        timer = setTimeout(() => {
          req.destroy(new CliError(ExitCode.TEMP_FAIL, `timed out after ${formatSeconds(this.timeoutMs ?? 0)} waiting for ${method} ${path} (${this.describe()})`));
        }, this.timeoutMs);
      }
      req.end(payload);
    });
  }

  private translate(e: unknown): Error {
    if (e instanceof CliError) return e;
    const code = (e as NodeJS.ErrnoException).code ?? '';
    const t = this.transport;
    if (t.kind === 'unix') {
      const start = t.dataDirHint ? `warren-server --data-dir ${t.dataDirHint}` : 'warren-server';
      if (code === 'ENOENT') return new CliError(ExitCode.UNAVAILABLE, `warren-server is not running (no control socket at ${t.socketPath}). Start it with: ${start}`);
      if (code === 'ECONNREFUSED') return new CliError(ExitCode.UNAVAILABLE, `warren-server is not running (control socket ${t.socketPath} refuses connections). Start it with: ${start}`);
      if (code === 'EACCES') return new CliError(ExitCode.NO_PERMISSION, `permission denied on control socket ${t.socketPath} (it belongs to the user running warren-server)`);
    }
    if (['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'EPIPE', 'EAI_AGAIN', 'ENOENT', 'ENOTSOCK'].includes(code)) {
      return new CliError(ExitCode.UNAVAILABLE, `cannot reach the ${this.describe()}: ${code}`);
    }
    return new CliError(ExitCode.UNAVAILABLE, `request to the ${this.describe()} failed: ${(e as Error).message}`);
  }
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
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
}
