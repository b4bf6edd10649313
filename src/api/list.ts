// The list query parameters RabbitMQ's API honours: name + use_regex, sort + sort_reverse,
// page + page_size (paged result shape), and columns (dotted paths pick nested fields).
import { inScope } from './authorisation.js';
import { badRequest, ok, type ApiReply, type ApiRequest } from './http.js';

type Json = Record<string, unknown>;

const DEFAULT_PAGE_SIZE = 100;
const MAX_PAGE_SIZE = 500;

function get(item: Json, path: string): unknown {
  let v: unknown = item;
  for (const part of path.split('.')) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Json)[part];
  }
  return v;
}

function compare(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === undefined || a === null) return -1;
  if (b === undefined || b === null) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const sa = typeof a === 'object' ? JSON.stringify(a) : String(a);
  const sb = typeof b === 'object' ? JSON.stringify(b) : String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

function pickColumns(item: Json, columns: string[]): Json {
  const out: Json = {};
  for (const col of columns) {
    const value = get(item, col);
    if (value === undefined) continue;
    const parts = col.split('.');
    let target = out;
    for (const part of parts.slice(0, -1)) {
      if (typeof target[part] !== 'object' || target[part] === null) target[part] = {};
      target = target[part] as Json;
    }
    target[parts[parts.length - 1]!] = value;
  }
  return out;
}

function positive(req: ApiRequest, name: string, fallback: number): number {
  const raw = req.query.get(name);
  if (raw === null) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw badRequest(`${name} must be a positive integer`);
  return n;
}

/** RabbitMQ's `name` query parameter (a substring, or a regular expression with `use_regex=true`); null when absent. */
function nameFilter(req: ApiRequest): ((name: string) => boolean) | null {
  const name = req.query.get('name');
  if (name === null || name === '') return null;
  if (req.query.get('use_regex') !== 'true') return (n) => n.includes(name);
  let re: RegExp;
  try {
    re = new RegExp(name);
  } catch {
    throw badRequest(`invalid regular expression '${name}'`);
  }
  return (n) => re.test(n);
}

/** Applies the list query parameters to `items` (already in their default order). */
export function listReply(req: ApiRequest, items: Json[], defaultSort: string[] = []): ApiReply {
  const visible = req.scope ? items.filter((i) => inScope(req, i)) : items;
  const total = visible.length;
  const matches = nameFilter(req);
  let filtered = matches ? visible.filter((i) => matches(String(i['name'] ?? ''))) : visible;
  const sort = req.query.get('sort');
  const keys = sort ? [sort] : defaultSort;
  if (keys.length > 0) {
    filtered = [...filtered].sort((a, b) => {
      for (const k of keys) {
        const c = compare(get(a, k), get(b, k));
        if (c !== 0) return c;
      }
      return 0;
    });
  }
  if (req.query.get('sort_reverse') === 'true') filtered = [...filtered].reverse();
  const columns = (req.query.get('columns') ?? '').split(',').filter((c) => c !== '');
  const shape = (list: Json[]): Json[] => (columns.length > 0 ? list.map((i) => pickColumns(i, columns)) : list);
  if (!req.query.has('page')) return ok(shape(filtered));

  const page = positive(req, 'page', 1);
  const pageSize = positive(req, 'page_size', DEFAULT_PAGE_SIZE);
  if (pageSize > MAX_PAGE_SIZE) throw badRequest(`page_size must be at most ${MAX_PAGE_SIZE}`);
  const pageCount = Math.ceil(filtered.length / pageSize);
  if (page > Math.max(pageCount, 1)) throw badRequest('page_out_of_range');
  const pageItems = filtered.slice((page - 1) * pageSize, page * pageSize);
  return ok({
    filtered_count: filtered.length,
    item_count: pageItems.length,
    items: shape(pageItems),
    page,
    page_count: pageCount,
    page_size: pageSize,
    total_count: total,
  });
}

/** A single object with `columns` applied. */
export function objectReply(req: ApiRequest, item: Json): ApiReply {
  const columns = (req.query.get('columns') ?? '').split(',').filter((c) => c !== '');
  return ok(columns.length > 0 ? pickColumns(item, columns) : item);
}

/** How listObjects reads broker objects without formatting them all. */
export interface Lister<T> {
  name(o: T): string;
  vhost(o: T): string;
  format(o: T): Json;
  /** a sort key's value straight from the object; undefined when only the formatted object has it */
  key?(o: T, key: string): { value: unknown } | undefined;
}

/**
 * listReply for many objects (10,000 queues): filters by scope and name and sorts on the raw
 * objects where the lister knows the sort key, and formats only the requested page.
 */
export function listObjects<T>(req: ApiRequest, objects: Iterable<T>, lister: Lister<T>, defaultSort: string[] = []): ApiReply {
  let items = [...objects];
  if (req.scope) items = items.filter((o) => inScope(req, { name: lister.name(o), vhost: lister.vhost(o) }));
  const total = items.length;
  const matches = nameFilter(req);
  if (matches) items = items.filter((o) => matches(lister.name(o)));
  const sort = req.query.get('sort');
  const keys = sort ? [sort] : defaultSort;
  let formatted: Json[] | null = null;
  if (keys.length > 0) {
    const raw = lister.key ? items.map((o) => keys.map((k) => lister.key!(o, k))) : null;
    if (raw && raw.every((vals) => vals.every((v) => v !== undefined))) {
      const order = items.map((_, i) => i);
      order.sort((a, b) => {
        for (let k = 0; k < keys.length; k++) {
          const c = compare(raw[a]![k]!.value, raw[b]![k]!.value);
          if (c !== 0) return c;
        }
        return 0;
      });
      items = order.map((i) => items[i]!);
    } else {
      const decorated = items.map((o) => ({ o, j: lister.format(o) }));
      decorated.sort((a, b) => {
        for (const k of keys) {
          const c = compare(get(a.j, k), get(b.j, k));
          if (c !== 0) return c;
        }
        return 0;
      });
      items = decorated.map((d) => d.o);
      formatted = decorated.map((d) => d.j);
    }
  }
  if (req.query.get('sort_reverse') === 'true') {
    items.reverse();
    formatted?.reverse();
  }
  const columns = (req.query.get('columns') ?? '').split(',').filter((c) => c !== '');
  const shape = (list: Json[]): Json[] => (columns.length > 0 ? list.map((i) => pickColumns(i, columns)) : list);
  if (!req.query.has('page')) return ok(shape(formatted ?? items.map((o) => lister.format(o))));

  const page = positive(req, 'page', 1);
  const pageSize = positive(req, 'page_size', DEFAULT_PAGE_SIZE);
  if (pageSize > MAX_PAGE_SIZE) throw badRequest(`page_size must be at most ${MAX_PAGE_SIZE}`);
  const pageCount = Math.ceil(items.length / pageSize);
  if (page > Math.max(pageCount, 1)) throw badRequest('page_out_of_range');
  const from = (page - 1) * pageSize;
  const pageItems = formatted ? formatted.slice(from, from + pageSize) : items.slice(from, from + pageSize).map((o) => lister.format(o));
  return ok({
    filtered_count: items.length,
    item_count: pageItems.length,
    items: shape(pageItems),
    page,
    page_count: pageCount,
    page_size: pageSize,
    total_count: total,
  });
}
