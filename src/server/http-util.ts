// Small HTTP helpers shared by the control socket, the management listener and the metrics listener.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { ApiReply, ApiRequest } from '../api/http.js';
import type { Router } from '../api/router.js';
import type { User } from '../broker/users.js';

/** Bodies beyond this are refused (definitions files are far smaller). */
const MAX_BODY_BYTES = 64 * 1024 * 1024;

export function basicCredentials(header: string | undefined): { user: string; password: string } | null | undefined {
  if (!header) return undefined;
  const m = /^Basic\s+(\S+)\s*$/i.exec(header);
  if (!m) return null;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export function send(res: ServerResponse, reply: ApiReply, head: boolean): void {
  const headers: Record<string, string> = { 'cache-control': 'no-cache', ...reply.headers };
  let payload: Buffer | null = null;
  if (reply.body !== undefined) {
    payload = Buffer.from(JSON.stringify(reply.body), 'utf8');
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(payload.length);
  } else if (reply.status !== 204) {
    headers['content-length'] = '0';
  }
  res.writeHead(reply.status, headers);
  if (reply.after) res.once('finish', reply.after);
  res.end(payload && !head ? payload : undefined);
}

export function readBody(req: IncomingMessage): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        resolve(null);
        req.destroy();
        return;
      }
      parts.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(parts)));
    req.on('error', reject);
  });
}

/** "/api/queues/%2F/q1" -> ["queues", "/", "q1"]; null when not under /api/ or badly encoded. */
export function apiSegments(rawPath: string): string[] | null {
  if (!rawPath.startsWith('/api/')) return null;
  const raw = rawPath.slice('/api/'.length).split('/');
  if (raw.length > 1 && raw[raw.length - 1] === '') raw.pop();
  try {
    return raw.map((s) => decodeURIComponent(s));
  } catch {
    return null;
  }
}

export function listen(server: Server, start: (cb: () => void) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    start(() => {
      server.off('error', reject);
      resolve();
    });
  });
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** The part every API listener shares once the user is known: the path, the body, the router's answer. */
export async function answerApi(router: Router, req: IncomingMessage, res: ServerResponse, url: URL, head: boolean, user: User | null): Promise<void> {
  const segments = apiSegments(url.pathname);
  if (!segments) return send(res, { status: 404, body: { error: 'Object Not Found', reason: 'Not Found' } }, head);
  const body = await readBody(req);
  if (body === null) return send(res, { status: 413, body: { error: 'bad_request', reason: 'request body too large' } }, head);
  const apiReq: ApiRequest = {
    method: head ? 'GET' : (req.method ?? 'GET'),
    segments,
    params: {},
    query: url.searchParams,
    headers: req.headers,
    body,
    user,
  };
  send(res, await router.handle(apiReq), head);
}
