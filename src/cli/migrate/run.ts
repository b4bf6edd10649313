// `warrenctl migrate --to NODE-OR-PROFILE`: a warren node's definitions, then its messages, into a RabbitMQ
// cluster. Re-runnable: definitions are imported again (idempotent), shovels already declared are left to finish,
// and a queue that still holds messages without a shovel gets a new one. See docs/scaling.md.
import { AdminClient, ApiError, seg } from '../admin-client.js';
import type { Context } from '../context.js';
import { CliError, ExitCode } from '../exit-codes.js';
import { resolveTarget, transportFor } from '../target.js';
import { type Definitions, selectDefinitions, summarize, toQuorum } from './definitions.js';
import { declareShovel, deleteShovel, key, migrateShovels, type ShovelState, shovelName, sourceUri } from './shovels.js';

export interface MigrateOptions {
  to: string;
  queueType?: 'quorum' | 'classic';
  /** the warren node's AMQP URL as the destination nodes reach it (default: its listener, guest/guest) */
  sourceUrl?: string;
  /** only this vhost (-p given) */
  vhost?: string;
  /** declare the shovels and return; the move goes on in the cluster */
  detach: boolean;
  /** definitions only */
  messages: boolean;
  prefetch: number;
  /** seconds between progress reports */
  interval: number;
}

interface QueueInfo {
  vhost: string;
  name: string;
  messages: number;
}

export interface QueueResult {
  vhost: string;
  queue: string;
  type: string;
  source_at_start: number;
  source_messages: number;
  destination_messages: number;
  moved: number;
}

/** --to: a URL (or comma-separated URLs) of the destination's management API, else a node profile of the config file. */
export function destinationClient(ctx: Context, to: string): AdminClient {
  const globals = to.includes('://') ? { apiUrl: to } : { node: to };
  const target = resolveTarget(globals, ctx.io.env);
  if (target.kind !== 'remote') throw new CliError(ExitCode.USAGE, `--to '${to}' names no remote node`);
  return new AdminClient(transportFor(target, { io: ctx.io, yes: ctx.yes }), ctx.timeoutMs);
}

export async function migrate(ctx: Context, opts: MigrateOptions): Promise<QueueResult[]> {
  const source = ctx.client;
  const dest = destinationClient(ctx, opts.to);
  const report = new Reporter(ctx);

  // the destination must be RabbitMQ: shovels are its plugin
  const overview = await dest.get<{ rabbitmq_version?: string; cluster_name?: string }>('/api/overview');
  const warrenDest = await dest.request('GET', '/api/warren/status');
  if (warrenDest.status === 200 || !overview.rabbitmq_version) {
    throw new CliError(
      ExitCode.UNAVAILABLE,
      `--to ${opts.to} is not a RabbitMQ node: migrate moves a warren node into RabbitMQ (its shovel plugin carries the messages)`,
    );
  }
  report.event('destination', {
    message: `destination: RabbitMQ ${overview.rabbitmq_version} cluster '${overview.cluster_name ?? '?'}' at ${dest.describe()}`,
  });

  // 1. definitions
  const notes: string[] = [];
  let defs: Definitions = selectDefinitions(await source.get('/api/definitions'), opts.vhost);
  let converted = 0;
  if (opts.queueType === 'quorum') ({ definitions: defs, converted } = toQuorum(defs, notes));
  for (const note of notes) report.event('note', { message: note });
  try {
    await dest.post('/api/definitions', { json: defs });
  } catch (e) {
    if (e instanceof ApiError) {
      throw new CliError(
        ExitCode.DATA_ERROR,
        `the destination refused the definitions: ${e.reason || e.error}${/inequivalent|precondition/i.test(e.reason) ? ' (a queue of that name exists there with other properties or type)' : ''}`,
      );
    }
    throw e;
  }
  report.event('definitions', {
    message: `definitions imported: ${summarize(defs)}${converted ? `; ${converted} queue${converted === 1 ? '' : 's'} as quorum queues` : ''}`,
  });
  const wanted = defs.queues.map((q) => ({ vhost: q.vhost, name: q.name }));
  if (!opts.messages) return finalCounts(source, dest, wanted, new Map(), report, false);

  // 2. messages: one shovel per non-empty queue
  const base = await sourceBase(ctx, opts.sourceUrl);
  const start = await sourceCounts(source, opts.vhost);
  const atStart = new Map<string, number>();
  for (const q of wanted) atStart.set(key(q.vhost, q.name), start.get(key(q.vhost, q.name))?.messages ?? 0);
  const ensureShovels = async (counts: Map<string, QueueInfo>, shovels: Map<string, unknown>): Promise<number> => {
    let declared = 0;
    for (const q of wanted) {
      const n = counts.get(key(q.vhost, q.name))?.messages ?? 0;
      if (n === 0 || shovels.has(key(q.vhost, shovelName(q.name)))) continue;
      await declareShovel(dest, q.vhost, q.name, sourceUri(base, q.vhost), opts.prefetch);
      declared++;
    }
    return declared;
  };
  const destination = new Outage('destination', report);
  const { resumed, declared } = await destination.retry(opts.interval, async () => {
    const existing = await migrateShovels(dest);
    await restartTerminated(dest, existing, report);
    const resumed = [...existing.values()].filter((s) => wanted.some((q) => q.vhost === s.vhost && q.name === s.queue)).length;
    return { resumed, declared: await ensureShovels(start, existing) };
  });
  const total = [...atStart.values()].reduce((a, b) => a + b, 0);
  report.event('shovels', {
    message: `moving ${total} message${total === 1 ? '' : 's'} of ${wanted.length} queue${wanted.length === 1 ? '' : 's'}: ${declared} shovel${declared === 1 ? '' : 's'} declared${resumed ? `, ${resumed} already running (an earlier run)` : ''}`,
    declared,
    resumed,
    total,
  });
  if (opts.detach) {
    report.event('detached', { message: 'the shovels go on in the cluster; run migrate again to follow them and print the final counts' });
    return finalCounts(source, dest, wanted, atStart, report, false);
  }

  // 3. follow until every queue is empty on the source and no shovel is left
  const sourceSide = new Outage('source', report);
  let lastWarn = '';
  for (;;) {
    await sleep(opts.interval * 1000);
    // the warren node restarts (the shovels reconnect by themselves), or a cluster member stops: keep following
    const counts = await sourceSide.attempt(() => sourceCounts(source, opts.vhost));
    if (!counts) continue;
    const shovels = await destination.attempt(async () => {
      const found = await migrateShovels(dest);
      // a shovel whose source connection was closed by the source (a warren restart: 320 CONNECTION_FORCED) stays
      // terminated; the source answers again, so it is declared anew (its unacked messages went back to the queue)
      for (const s of [...found.values()].filter((x) => x.state === 'terminated')) {
        const msg = `shovel for queue '${s.queue}' (vhost '${s.vhost}') terminated${s.reason ? ` (${oneLine(s.reason)})` : ''}: starting it again`;
        if (msg !== lastWarn) report.event('restarting', { message: msg, vhost: s.vhost, queue: s.queue });
        lastWarn = msg;
        await deleteShovel(dest, s.vhost, s.name);
        found.delete(key(s.vhost, s.name));
      }
      // a shovel that finished while messages came back (a restarted source requeued them) gets a successor
      await ensureShovels(counts, found);
      return found;
    });
    if (!shovels) continue;
    const rows = wanted.map((q) => {
      const k = key(q.vhost, q.name);
      const remaining = counts.get(k)?.messages ?? 0;
      const begin = atStart.get(k) ?? 0;
      return { vhost: q.vhost, queue: q.name, remaining, moved: Math.max(begin - remaining, 0) };
    });
    report.progress(rows, total);
    const busy = wanted.some((q) => shovels.has(key(q.vhost, shovelName(q.name))));
    if (!busy && rows.every((r) => r.remaining === 0)) break;
  }
  report.done();
  return finalCounts(source, dest, wanted, atStart, report, true);
}

async function sourceBase(ctx: Context, given: string | undefined): Promise<URL> {
  if (given !== undefined) {
    let u: URL;
    try {
      u = new URL(given);
    } catch {
      throw new CliError(ExitCode.USAGE, `invalid --source-url '${given}': expected amqp://user:pass@host:5672`);
    }
    if (u.protocol !== 'amqp:' && u.protocol !== 'amqps:') throw new CliError(ExitCode.USAGE, `invalid --source-url '${given}': only amqp:// and amqps://`);
    return u;
  }
  const status = await ctx.client.request('GET', '/api/warren/status');
  if (status.status !== 200)
    throw new CliError(ExitCode.USAGE, `the source (${ctx.client.describe()}) is not a warren node: give its AMQP URL with --source-url`);
  const listeners = ((status.body as { listeners?: { protocol?: string; host?: string; ip_address?: string; port?: number }[] }).listeners ?? []).filter(
    (l) => l.protocol === 'amqp',
  );
  const l = listeners[0];
  if (!l || typeof l.port !== 'number')
    throw new CliError(ExitCode.UNAVAILABLE, 'the warren node has no AMQP listener (app stopped?): start it with warrenctl start_app');
  const host = l.host ?? l.ip_address ?? '';
  const hostname = ['', '0.0.0.0', '::', '[::]'].includes(host) ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return new URL(`amqp://guest:guest@${hostname}:${l.port}`);
}

async function sourceCounts(source: AdminClient, vhost: string | undefined): Promise<Map<string, QueueInfo>> {
  const path = vhost === undefined ? '/api/queues' : `/api/queues/${seg(vhost)}`;
  const list = await source.get<{ vhost: string; name: string; messages?: number }[]>(path, { query: { columns: 'vhost,name,messages' } });
  const out = new Map<string, QueueInfo>();
  for (const q of list ?? []) out.set(key(q.vhost, q.name), { vhost: q.vhost, name: q.name, messages: q.messages ?? 0 });
  return out;
}

/** Per-queue counts on both sides. RabbitMQ refreshes its counts every 5 s: wait until they stop changing. */
async function finalCounts(
  source: AdminClient,
  dest: AdminClient,
  wanted: { vhost: string; name: string }[],
  atStart: Map<string, number>,
  report: Reporter,
  settle: boolean,
): Promise<QueueResult[]> {
  const read = async (): Promise<Map<string, { messages: number | undefined; type: string }>> => {
    const list = await dest.get<{ vhost: string; name: string; messages?: number; type?: string }[]>('/api/queues', {
      query: { columns: 'vhost,name,messages,type' },
    });
    // messages is absent until RabbitMQ has emitted the queue's first statistics
    return new Map((list ?? []).map((q) => [key(q.vhost, q.name), { messages: q.messages, type: q.type ?? 'classic' }]));
  };
  const destination = new Outage('destination', report);
  let counts = await destination.retry(2, read);
  let src = await sourceCounts(source, undefined).catch(() => new Map<string, QueueInfo>());
  if (settle) {
    // settled: every count present, unchanged over a refresh, and holding at least what left the source in this run
    // (two stale reads of a busy node's statistics agree too, and would report 0 for a queue just filled)
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline) {
      await sleep(5500);
      const next = await destination.attempt(read);
      if (!next) continue;
      src = await sourceCounts(source, undefined).catch(() => src);
      const settled = wanted.every((q) => {
        const k = key(q.vhost, q.name);
        const now = next.get(k)?.messages;
        const moved = (atStart.get(k) ?? 0) - (src.get(k)?.messages ?? 0);
        return now !== undefined && now === counts.get(k)?.messages && now >= moved;
      });
      counts = next;
      if (settled) break;
    }
  }
  const rows: QueueResult[] = wanted.map((q) => {
    const k = key(q.vhost, q.name);
    const d = counts.get(k);
    const begin = atStart.get(k) ?? 0;
    const left = src.get(k)?.messages ?? 0;
    return {
      vhost: q.vhost,
      queue: q.name,
      type: d?.type ?? 'missing',
      source_at_start: begin,
      source_messages: left,
      destination_messages: d?.messages ?? 0,
      moved: Math.max(begin - left, 0),
    };
  });
  report.summary(rows);
  return rows;
}

async function restartTerminated(dest: AdminClient, shovels: Map<string, ShovelState>, report: Reporter): Promise<void> {
  for (const s of [...shovels.values()].filter((x) => x.state === 'terminated')) {
    report.event('restarting', {
      message: `shovel for queue '${s.queue}' (vhost '${s.vhost}') of an earlier run terminated${s.reason ? ` (${oneLine(s.reason)})` : ''}: starting it again`,
      vhost: s.vhost,
      queue: s.queue,
    });
    await deleteShovel(dest, s.vhost, s.name);
    shovels.delete(key(s.vhost, s.name));
  }
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').slice(0, 200);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** How long one side may keep failing before migrate gives up following (the shovels go on in the cluster). */
const OUTAGE_LIMIT_MS = 5 * 60_000;

/** A failure that a node restarting or a cluster member stopping explains: no answer, a time-out, a 5xx. */
function transient(e: unknown): boolean {
  if (e instanceof ApiError) return e.status >= 500 || e.status === 408 || e.status === 429;
  return e instanceof CliError && (e.exitCode === ExitCode.UNAVAILABLE || e.exitCode === ExitCode.TEMP_FAIL);
}

/**
 * One side of the move (the warren node, the destination cluster) while migrate follows it: a transient failure is
 * reported once and waited out; one that lasts longer than OUTAGE_LIMIT_MS, or any other failure of the destination,
 * ends the run.
 */
class Outage {
  private since: number | undefined;
  private said = '';

  constructor(
    private readonly side: 'source' | 'destination',
    private readonly report: Reporter,
  ) {}

  /** fn's result, or undefined after a transient failure (reported) */
  async attempt<T>(fn: () => Promise<T>): Promise<T | undefined> {
    try {
      const value = await fn();
      this.since = undefined;
      return value;
    } catch (e) {
      // the source is one warren node: any failure to read it is its restart, waited out as before (bounded below)
      if (this.side === 'destination' && !transient(e)) throw e;
      const now = Date.now();
      this.since ??= now;
      const message = (e as Error).message;
      if (now - this.since > OUTAGE_LIMIT_MS) {
        throw new CliError(
          ExitCode.TEMP_FAIL,
          `the ${this.side} has not answered for ${Math.round((now - this.since) / 1000)} s (${message}); the shovels go on in the cluster: run migrate again to follow them`,
        );
      }
      const text = `the ${this.side} does not answer (${message}); ${this.side === 'source' ? 'the shovels retry by themselves' : 'trying again'}`;
      if (text !== this.said) this.report.event('waiting', { message: text });
      this.said = text;
      return undefined;
    }
  }

  /** fn (whose result is never undefined), tried again every interval seconds through transient failures */
  async retry<T>(intervalSeconds: number, fn: () => Promise<T>): Promise<T> {
    for (;;) {
      const value = await this.attempt(fn);
      if (value !== undefined) return value;
      await sleep(intervalSeconds * 1000);
    }
  }
}

/** Progress on a terminal (one updating line on stderr), JSON lines with --formatter json, else a line every 10 s. */
class Reporter {
  private readonly started = Date.now();
  private lastLine = 0;
  private lastMoved = 0;
  private lastAt = Date.now();
  private readonly tty: boolean;

  constructor(private readonly ctx: Context) {
    this.tty = ctx.io.stderr.isTTY === true;
  }

  event(event: string, fields: Record<string, unknown> & { message: string }): void {
    if (this.ctx.out.isJson) this.ctx.io.stdout.write(`${JSON.stringify({ event, ...fields })}\n`);
    else this.ctx.out.banner(fields.message);
  }

  progress(rows: { vhost: string; queue: string; remaining: number; moved: number }[], total: number): void {
    const now = Date.now();
    const moved = rows.reduce((a, r) => a + r.moved, 0);
    const remaining = rows.reduce((a, r) => a + r.remaining, 0);
    const rate = Math.round(((moved - this.lastMoved) * 1000) / Math.max(now - this.lastAt, 1));
    this.lastMoved = moved;
    this.lastAt = now;
    if (this.ctx.out.isJson) {
      this.ctx.io.stdout.write(
        `${JSON.stringify({ event: 'progress', elapsed_s: Math.round((now - this.started) / 100) / 10, moved, remaining, total, rate, queues: rows })}\n`,
      );
      return;
    }
    const done = rows.filter((r) => r.remaining === 0).length;
    const busiest = [...rows].sort((a, b) => b.remaining - a.remaining)[0];
    const text = `moved ${moved}/${total}  ${rate} msg/s  ${remaining} remaining  queues done ${done}/${rows.length}${busiest && busiest.remaining ? `  (most left: ${busiest.queue} ${busiest.remaining})` : ''}`;
    if (this.tty) this.ctx.io.stderr.write(`\r${text}\x1b[K`);
    else if (now - this.lastLine >= 10_000) {
      this.lastLine = now;
      this.ctx.out.banner(text);
    }
  }

  done(): void {
    if (this.tty && !this.ctx.out.isJson) this.ctx.io.stderr.write('\n');
  }

  summary(rows: QueueResult[]): void {
    if (this.ctx.out.isJson) this.ctx.io.stdout.write(`${JSON.stringify({ event: 'summary', queues: rows })}\n`);
  }
}
