// Shared pieces of the pages: data loading with refresh, error boxes, tables, a pager, forms and
// uPlot charts of RabbitMQ's sample series.
import type { ComponentChildren, JSX } from 'preact';
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import { ApiError, get, type Details } from './api';

export const REFRESH_MS = 5000;

export function describe(err: unknown): string {
  return err instanceof ApiError ? err.plain : err instanceof Error ? err.message : String(err);
}

/** GETs `path` now and every `refreshMs` (0: once); keeps the last data while reloading. */
export function useApi<T>(path: string | null, refreshMs = REFRESH_MS): { data: T | undefined; error: unknown; reload: () => void } {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (path === null) return;
    let live = true;
    let timer: number | undefined;
    const load = async (): Promise<void> => {
      try {
        const d = await get<T>(path);
        if (!live) return;
        setData(d);
        setError(null);
      } catch (err) {
        if (live) setError(err);
      }
      if (live && refreshMs > 0) timer = window.setTimeout(load, refreshMs);
    };
    void load();
    return () => {
      live = false;
      window.clearTimeout(timer);
    };
  }, [path, refreshMs, tick]);
  return { data, error, reload: useCallback(() => setTick((t) => t + 1), []) };
}

export function ErrorBox({ error }: { error: unknown }) {
  if (!error) return null;
  return (
    <div class="error" role="alert">
      {describe(error)}
    </div>
  );
}

/** Runs an action, showing its error or a success note under the form. */
export function useAction(): { run: (what: () => Promise<unknown>, done?: string) => Promise<boolean>; status: JSX.Element | null } {
  const [state, setState] = useState<{ ok: boolean; text: string } | null>(null);
  const run = useCallback(async (what: () => Promise<unknown>, done?: string) => {
    try {
      await what();
      setState(done ? { ok: true, text: done } : null);
      return true;
    } catch (err) {
      setState({ ok: false, text: describe(err) });
      return false;
    }
  }, []);
  const status = state ? (
    <div class={state.ok ? 'note' : 'error'} role={state.ok ? 'status' : 'alert'}>
      {state.text}
    </div>
  ) : null;
  return { run, status };
}

export function Section({ title, children, open = true }: { title: string; children: ComponentChildren; open?: boolean }) {
  return (
    <details class="section" open={open}>
      <summary>{title}</summary>
      <div class="section-body">{children}</div>
    </details>
  );
}

export interface Column<T> {
  title: string;
  /** the API's sort key, when sortable */
  sort?: string;
  cell: (row: T) => ComponentChildren;
  num?: boolean;
}

export function Table<T>({
  columns,
  rows,
  sort,
  onSort,
  empty = 'Nothing here.',
  rowKey,
}: {
  columns: Column<T>[];
  rows: T[];
  sort?: { key: string; reverse: boolean };
  onSort?: (key: string) => void;
  empty?: string;
  rowKey: (row: T) => string;
}) {
  return (
    <table class="list">
      <thead>
        <tr>
          {columns.map((c) => (
            <th class={c.num ? 'num' : ''} key={c.title}>
              {c.sort && onSort ? (
                <button class="link" onClick={() => onSort(c.sort!)}>
                  {c.title}
                  {sort?.key === c.sort ? (sort.reverse ? ' ▾' : ' ▴') : ''}
                </button>
              ) : (
                c.title
              )}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.length === 0 ? (
          <tr>
            <td colSpan={columns.length} class="empty">
              {empty}
            </td>
          </tr>
        ) : (
          rows.map((r) => (
            <tr key={rowKey(r)}>
              {columns.map((c) => (
                <td class={c.num ? 'num' : ''} key={c.title}>
                  {c.cell(r)}
                </td>
              ))}
            </tr>
          ))
        )}
      </tbody>
    </table>
  );
}

export interface ListQuery {
  page: number;
  pageSize: number;
  name: string;
  regex: boolean;
  sort: string;
  reverse: boolean;
}

export function listQueryString(q: ListQuery, extra = ''): string {
  const p = new URLSearchParams({
    page: String(q.page),
    page_size: String(q.pageSize),
    name: q.name,
    use_regex: String(q.regex),
    sort: q.sort,
    sort_reverse: String(q.reverse),
  });
  return `?${p.toString()}${extra}`;
}

/** Filter box, regex switch, page size and page buttons for the API's paged lists. */
export function ListControls({
  q,
  set,
  paged,
}: {
  q: ListQuery;
  set: (q: ListQuery) => void;
  paged?: { page_count: number; filtered_count: number; total_count: number };
}) {
  const pages = paged?.page_count ?? 1;
  return (
    <div class="controls">
      <label>
        Filter <input type="search" value={q.name} placeholder="name" onInput={(e) => set({ ...q, name: (e.target as HTMLInputElement).value, page: 1 })} />
      </label>
      <label>
        <input type="checkbox" checked={q.regex} onChange={(e) => set({ ...q, regex: (e.target as HTMLInputElement).checked, page: 1 })} /> Regex
      </label>
      <label>
        Page size{' '}
        <select value={String(q.pageSize)} onChange={(e) => set({ ...q, pageSize: Number((e.target as HTMLSelectElement).value), page: 1 })}>
          {[20, 50, 100, 500].map((n) => (
            <option key={n} value={String(n)}>
              {n}
            </option>
          ))}
        </select>
      </label>
      <span class="pager">
        <button disabled={q.page <= 1} onClick={() => set({ ...q, page: q.page - 1 })}>
          ‹ Prev
        </button>{' '}
        Page {q.page} of {Math.max(pages, 1)}{' '}
        <button disabled={q.page >= pages} onClick={() => set({ ...q, page: q.page + 1 })}>
          Next ›
        </button>
      </span>
      {paged ? (
        <span class="muted">
          {paged.filtered_count} shown of {paged.total_count}
        </span>
      ) : null}
    </div>
  );
}

// ---- formatting ----

export function fmtNum(n: number | undefined | null): string {
  if (n === undefined || n === null) return '';
  return n.toLocaleString('en-US');
}

export function fmtRate(n: number | undefined): string {
  if (n === undefined) return '';
  return `${n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(1)}/s`;
}

export function fmtBytes(n: number | undefined): string {
  if (n === undefined || n === null) return '';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

export function fmtDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  return d > 0 ? `${d}d ${h}h` : h > 0 ? `${h}h ${m}m` : m > 0 ? `${m}m ${s % 60}s` : `${s}s`;
}

export function Json({ value }: { value: unknown }) {
  if (value === null || value === undefined || (typeof value === 'object' && Object.keys(value).length === 0)) return <span class="muted">none</span>;
  return <code class="json">{JSON.stringify(value)}</code>;
}

export function KeyValues({ rows }: { rows: [string, ComponentChildren][] }) {
  return (
    <table class="facts">
      <tbody>
        {rows.map(([k, v]) => (
          <tr key={k}>
            <th>{k}</th>
            <td>{v}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

// ---- forms ----

export type ArgType = 'string' | 'number' | 'boolean' | 'list';
export interface ArgRow {
  key: string;
  value: string;
  type: ArgType;
}

export function argsObject(rows: ArgRow[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const r of rows) {
    if (r.key.trim() === '') continue;
    const v = r.value;
    if (r.type === 'number') {
      const n = Number(v);
      if (v.trim() === '' || !Number.isFinite(n)) throw new Error(`'${r.key}' must be a number, not '${v}'`);
      out[r.key] = n;
    } else if (r.type === 'boolean') out[r.key] = v === 'true';
    else if (r.type === 'list') out[r.key] = v.split(',').map((s) => s.trim());
    else out[r.key] = v;
  }
  return out;
}

/** Rows of key = value (type) for arguments, headers and policy definitions. */
export function ArgsEditor({ rows, set, label, hints = [] }: { rows: ArgRow[]; set: (rows: ArgRow[]) => void; label: string; hints?: [string, ArgType][] }) {
  const all = rows.length === 0 || rows[rows.length - 1]!.key !== '' ? [...rows, { key: '', value: '', type: 'string' as ArgType }] : rows;
  const update = (i: number, patch: Partial<ArgRow>): void =>
    set(all.map((r, j) => (j === i ? { ...r, ...patch } : r)).filter((r, j) => r.key !== '' || r.value !== '' || j === i));
  return (
    <fieldset class="args">
      <legend>{label}</legend>
      {all.map((r, i) => (
        <div class="arg" key={i}>
          <input aria-label={`${label} key`} placeholder="key" value={r.key} onInput={(e) => update(i, { key: (e.target as HTMLInputElement).value })} /> ={' '}
          <input
            aria-label={`${label} value`}
            placeholder="value"
            value={r.value}
            onInput={(e) => update(i, { value: (e.target as HTMLInputElement).value })}
          />{' '}
          <select aria-label={`${label} type`} value={r.type} onChange={(e) => update(i, { type: (e.target as HTMLSelectElement).value as ArgType })}>
            <option value="string">String</option>
            <option value="number">Number</option>
            <option value="boolean">Boolean</option>
            <option value="list">List</option>
          </select>
        </div>
      ))}
      {hints.length > 0 ? (
        <div class="hints">
          Add:{' '}
          {hints.map(([k, type]) => (
            <button type="button" class="link" key={k} onClick={() => set([...all.filter((r) => r.key !== ''), { key: k, value: '', type }])}>
              {k}
            </button>
          ))}
        </div>
      ) : null}
    </fieldset>
  );
}

// ---- charts ----

export interface ChartSeries {
  label: string;
  color: string;
  details: Details | undefined;
  /** plot per-second rates from counter samples (else the sampled values) */
  asRate: boolean;
}

const COLORS = ['#2563eb', '#16a34a', '#dc2626', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#4b5563'];
export const color = (i: number): string => COLORS[i % COLORS.length]!;

/** Time series from RabbitMQ's samples (newest first): timestamps in seconds and values per series. */
export function seriesData(series: ChartSeries[]): [number[], ...(number | null)[][]] {
  const first = series.find((s) => s.details?.samples && s.details.samples.length > 0)?.details?.samples ?? [];
  const asc = [...first].reverse();
  const times = (series[0]?.asRate ? asc.slice(1) : asc).map((s) => s.timestamp / 1000);
  const values = series.map((s) => {
    const samples = [...(s.details?.samples ?? [])].reverse();
    if (samples.length === 0) return times.map(() => 0);
    if (!s.asRate) return samples.map((x) => x.sample);
    const out: number[] = [];
    for (let i = 1; i < samples.length; i++) {
      const dt = (samples[i]!.timestamp - samples[i - 1]!.timestamp) / 1000;
      out.push(dt > 0 ? Math.max(0, (samples[i]!.sample - samples[i - 1]!.sample) / dt) : 0);
    }
    return out;
  });
  return [times, ...values];
}

export function Chart({ title, series, height = 180 }: { title: string; series: ChartSeries[]; height?: number }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const data = seriesData(series);
  const labels = series.map((s) => s.label).join('|');
  useLayoutEffect(() => {
    if (!box.current) return;
    const opts: uPlot.Options = {
      width: Math.max(box.current.clientWidth, 300),
      height,
      legend: { show: true, live: false },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] } },
      axes: [{}, { size: 60, values: (_u, ticks) => ticks.map((t) => (series[0]?.asRate ? `${fmtShort(t)}/s` : fmtShort(t))) }],
      series: [
        {},
        ...series.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: 2,
          points: { show: false },
          fill: `${s.color}14`,
          value: (_u: uPlot, v: number | null) => (v === null ? '' : s.asRate ? fmtRate(v) : fmtNum(v)),
        })),
      ],
    };
    plot.current = new uPlot(opts, data as uPlot.AlignedData, box.current);
    const resize = (): void => {
      if (box.current && plot.current) plot.current.setSize({ width: Math.max(box.current.clientWidth, 300), height });
    };
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      plot.current?.destroy();
      plot.current = null;
    };
  }, [labels, height]);
  useEffect(() => {
    plot.current?.setData(data as uPlot.AlignedData);
  });
  return (
    <figure class="chart">
      <figcaption>{title}</figcaption>
      {data[0].length === 0 ? <div class="chart-empty muted">No activity yet: the chart fills in as messages flow (sampled every few seconds).</div> : null}
      <div ref={box} data-points={String(data[0].length)} data-max={String(Math.max(0, ...data.slice(1).flatMap((v) => v.map((x) => x ?? 0))))} />
    </figure>
  );
}

function fmtShort(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return String(Math.round(n * 10) / 10);
}

/** The chart range query string: RabbitMQ's msg_rates_age/incr and lengths_age/incr. */
export function rangeQuery(ageS: number, incrS: number): string {
  return `msg_rates_age=${ageS}&msg_rates_incr=${incrS}&lengths_age=${ageS}&lengths_incr=${incrS}&data_rates_age=${ageS}&data_rates_incr=${incrS}`;
}

export const RANGES: { label: string; age: number; incr: number }[] = [
  { label: 'Last minute', age: 60, incr: 1 },
  { label: 'Last 10 minutes', age: 600, incr: 5 },
];

export const MESSAGE_RATE_SERIES: [string, string][] = [
  ['publish', 'Publish'],
  ['confirm', 'Publisher confirm'],
  ['deliver_get', 'Deliver / get'],
  ['ack', 'Consumer ack'],
  ['redeliver', 'Redelivered'],
  ['return_unroutable', 'Unroutable (return)'],
  ['drop_unroutable', 'Unroutable (drop)'],
];
