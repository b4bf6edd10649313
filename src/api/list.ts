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
  const shape = columnShaper(req);
  const p = requestedPage(req, filtered.length);
  if (!p) return ok(shape(filtered));
  return pageReply(p, total, shape(filtered.slice(p.from, p.from + p.pageSize)));
}

/** A single object with `columns` applied. */
export function objectReply(req: ApiRequest, item: Json): ApiReply {
  return ok(columnShaper(req)([item])[0]);
}

/** The `columns` parameter: only those fields of each item (every field without it). */
function columnShaper(req: ApiRequest): (list: Json[]) => Json[] {
  const columns = (req.query.get('columns') ?? '').split(',').filter((c) => c !== '');
  return (list) => (columns.length > 0 ? list.map((i) => pickColumns(i, columns)) : list);
}

interface Page {
  page: number;
  pageSize: number;
  pageCount: number;
  /** index of the page's first item */
  from: number;
  /** items after filtering, before paging */
  filtered: number;
}

/** The page that `page` and `page_size` ask for among `filtered` items; null without `page` (no paging). */
function requestedPage(req: ApiRequest, filtered: number): Page | null {
  if (!req.query.has('page')) return null;
  const page = positive(req, 'page', 1);
  const pageSize = positive(req, 'page_size', DEFAULT_PAGE_SIZE);
  if (pageSize > MAX_PAGE_SIZE) throw badRequest(`page_size must be at most ${MAX_PAGE_SIZE}`);
  const pageCount = Math.ceil(filtered / pageSize);
  if (page > Math.max(pageCount, 1)) throw badRequest('page_out_of_range');
  return { page, pageSize, pageCount, from: (page - 1) * pageSize, filtered };
}

/** RabbitMQ's paged list: the page's items and the counts around them. */
function pageReply(p: Page, total: number, items: Json[]): ApiReply {
  return ok({
    filtered_count: p.filtered,
    item_count: items.length,
    items,
    page: p.page,
    page_count: p.pageCount,
    page_size: p.pageSize,
    total_count: total,
  });
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
  const shape = columnShaper(req);
  const p = requestedPage(req, items.length);
  if (!p) return ok(shape(formatted ?? items.map((o) => lister.format(o))));
  const end = p.from + p.pageSize;
  const pageItems = formatted ? formatted.slice(p.from, end) : items.slice(p.from, end).map((o) => lister.format(o));
  return pageReply(p, total, shape(pageItems));
}
