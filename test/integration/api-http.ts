// A tiny HTTP client for the management API tests: over the daemon's control socket, or over TCP.
import { request } from 'node:http';
import { waitFor } from '../helpers/wait.js';

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** the parsed JSON body, or undefined when empty or not JSON */
  body: any;
}

export interface Target {
  socketPath?: string;
  host?: string;
  port?: number;
  localAddress?: string;
}

export interface CallOptions {
  json?: unknown;
  raw?: string;
  headers?: Record<string, string>;
  auth?: { user: string; password: string };
}

export function call(target: Target, method: string, path: string, opts: CallOptions = {}): Promise<HttpResult> {
  const payload = opts.raw !== undefined ? opts.raw : opts.json !== undefined ? JSON.stringify(opts.json) : undefined;
  const headers: Record<string, string> = { ...opts.headers };
  if (payload !== undefined) headers['content-type'] = 'application/json';
  if (opts.auth) headers['authorization'] = `Basic ${Buffer.from(`${opts.auth.user}:${opts.auth.password}`).toString('base64')}`;
  return new Promise((resolve, reject) => {
    const req = request({ ...target, method, path, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => (text += d));
      res.on('end', () => {
        let body: unknown;
        try {
          body = text ? JSON.parse(text) : undefined;
        } catch {
          body = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body });
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** A client bound to one daemon's control socket. */
export function socketClient(socketPath: string) {
  const t = { socketPath };
  return {
    get: (path: string, o?: CallOptions) => call(t, 'GET', path, o),
    put: (path: string, json?: unknown, o?: CallOptions) => call(t, 'PUT', path, { ...o, json }),
    post: (path: string, json?: unknown, o?: CallOptions) => call(t, 'POST', path, { ...o, json }),
    del: (path: string, o?: CallOptions) => call(t, 'DELETE', path, o),
  };
}

export type Client = ReturnType<typeof socketClient>;

export const V = encodeURIComponent('/');

/** Polls until `check` returns true (connections and consumers appear asynchronously); see waitFor. */
export async function until(check: () => Promise<boolean> | boolean, what = 'a condition'): Promise<void> {
  await waitFor(async () => (await check()) || false, what);
}
