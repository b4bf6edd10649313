// The UI's only way to the broker: the management HTTP API, with the logged-in user's basic auth.
// Errors come back as ApiError with RabbitMQ's {error, reason} in plain words.

export interface Credentials {
  user: string;
  password: string;
}

const KEY = 'warren-ui-credentials';

export function savedCredentials(): Credentials | null {
  try {
    const raw = sessionStorage.getItem(KEY);
    return raw ? (JSON.parse(raw) as Credentials) : null;
  } catch {
    return null;
  }
}

export function saveCredentials(c: Credentials | null): void {
  if (c) sessionStorage.setItem(KEY, JSON.stringify(c));
  else sessionStorage.removeItem(KEY);
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    readonly path: string,
  ) {
    super(reason);
  }

  /** One line a person can act on. */
  get plain(): string {
    if (this.status === 0) return `Cannot reach the broker (${this.reason}). Is warren-server running?`;
    if (this.status === 401) return `Not allowed: ${this.reason}`;
    if (this.status === 404) return `Not found: ${this.path.replace(/^\/api\//, '')}`;
    return `${this.reason} (HTTP ${this.status})`;
  }
}

let credentials: Credentials | null = savedCredentials();
let onUnauthorised: () => void = () => undefined;

export function setCredentials(c: Credentials | null, onLoggedOut?: () => void): void {
  credentials = c;
  if (onLoggedOut) onUnauthorised = onLoggedOut;
}

export const enc = encodeURIComponent;

export async function request<T = unknown>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
  const h: Record<string, string> = { ...headers };
  if (credentials) h['authorization'] = `Basic ${btoa(unescape(encodeURIComponent(`${credentials.user}:${credentials.password}`)))}`;
  if (body !== undefined) h['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers: h,
      credentials: 'omit',
      body: body === undefined ? null : typeof body === 'string' ? body : JSON.stringify(body),
    });
  } catch (err) {
    throw new ApiError(0, (err as Error).message, path);
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const j = json as { reason?: unknown; error?: unknown } | undefined;
    const reason = typeof j?.reason === 'string' ? j.reason : typeof j?.error === 'string' ? j.error : text || res.statusText;
    if (res.status === 401 && /Login failed/.test(reason)) onUnauthorised();
    throw new ApiError(res.status, reason, path);
  }
  return json as T;
}

export const get = <T = unknown,>(path: string): Promise<T> => request<T>('GET', path);
export const put = (path: string, body: unknown = {}): Promise<unknown> => request('PUT', path, body);
export const post = <T = unknown,>(path: string, body: unknown = {}): Promise<T> => request<T>('POST', path, body);
export const del = (path: string, headers?: Record<string, string>): Promise<unknown> => request('DELETE', path, undefined, headers);

// ---- shapes the pages use (RabbitMQ's API) ----

export interface Details {
  rate: number;
  samples?: { sample: number; timestamp: number }[];
}
export type MessageStats = Record<string, number | Details | undefined>;

export interface Paged<T> {
  items: T[];
  page: number;
  page_count: number;
  page_size: number;
  filtered_count: number;
  total_count: number;
  item_count: number;
}

export interface Whoami {
  name: string;
  tags: string[];
}

export function rate(stats: MessageStats | undefined, key: string): number | undefined {
  const d = stats?.[`${key}_details`] as Details | undefined;
  return d?.rate;
}
