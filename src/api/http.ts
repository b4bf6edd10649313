// Request, reply and error types shared by the management API handlers and both listeners.
import type { IncomingHttpHeaders } from 'node:http';
import type { User } from '../broker/users.js';

/** What a request may see in lists (RabbitMQ's tag rules): null fields mean everything. */
export interface ListScope {
  /** vhosts whose objects are listed */
  vhosts: Set<string> | null;
  /** only connections, channels and consumers of this user */
  user: string | null;
}

export interface ApiRequest {
  method: string;
  /** path segments after "/api/", each percent-decoded (so "%2F" is the vhost "/") */
  segments: string[];
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** the user who authenticated with HTTP basic auth; null on the control socket without auth */
  user: User | null;
  /** what a non-administrator may see in lists (set by the TCP listener's authorisation) */
  scope?: ListScope;
  /** set by the TCP listener's authorisation: the handlers check configure/write/read on each resource */
  checkResources?: boolean;
}

export interface ApiReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** run once the reply has been written (e.g. shutting down after POST /api/warren/stop) */
  after?: () => void;
}

/** An error answer in RabbitMQ's shape: `{"error": ..., "reason": ...}`. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly reason: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(`${status} ${error}: ${reason}`);
    this.name = 'HttpError';
  }
}

export const notFound = (): HttpError => new HttpError(404, 'Object Not Found', 'Not Found');
export const badRequest = (reason: string): HttpError => new HttpError(400, 'bad_request', reason);

export const ok = (body: unknown): ApiReply => ({ status: 200, body });
export const created = (location?: string): ApiReply => (location === undefined ? { status: 201 } : { status: 201, headers: { location } });
export const noContent = (): ApiReply => ({ status: 204 });
/** RabbitMQ answers PUT with 201 when it created the object and 204 when it already existed. */
export const createdOrUpdated = (existed: boolean): ApiReply => (existed ? noContent() : created());

type Json = Record<string, unknown>;

/** The request body as a JSON object; an empty body is `{}`, anything else not an object is a 400. */
export function jsonBody(req: ApiRequest): Json {
  const text = req.body.toString('utf8').trim();
  if (text === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw badRequest('not_json');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw badRequest('not_json');
  return value as Json;
}

export function str(body: Json, key: string, fallback: string): string {
  const v = body[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'string') throw badRequest(`${key} must be a string`);
  return v;
}

/** RabbitMQ accepts booleans as JSON booleans or the strings "true"/"false". */
export function bool(body: Json, key: string, fallback: boolean): boolean {
  const v = body[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === 'false') return v === 'true';
  throw badRequest(`${key} must be a boolean`);
}

export function int(body: Json, key: string, fallback: number): number {
  const v = body[key];
  if (v === undefined || v === null) return fallback;
  const n = typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n)) throw badRequest(`${key} must be an integer`);
  return n;
}

export function obj(body: Json, key: string): Json {
  const v = body[key];
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw badRequest(`${key} must be an object`);
  return v as Json;
}

/** Tags as RabbitMQ takes them: "a,b" or ["a","b"]. */
export function tagList(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  const items = Array.isArray(value) ? value.map(String) : String(value).split(',');
  return items.map((t) => t.trim()).filter((t) => t !== '');
}

export function queryFlag(req: ApiRequest, name: string): boolean {
  return req.query.get(name) === 'true';
}
