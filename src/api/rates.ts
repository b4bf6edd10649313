// message_stats and the *_details objects in RabbitMQ's shape, from the live counters and the
// stats sampler's history: `{publish: 10, publish_details: {rate: 2.0}}`, and with the
// msg_rates_age / msg_rates_incr (lengths_age / lengths_incr, data_rates_age / data_rates_incr)
// query parameters also `samples` (newest first), `avg` and `avg_rate`, as RabbitMQ's API.
import { CHANNEL_FIELDS, QUEUE_FIELDS, type ChannelCounters } from '../broker/message-stats.js';
import type { Exchange } from '../broker/exchange.js';
import type { Queue } from '../broker/queue.js';
import type { MessageRates, Series } from '../broker/stats-series.js';
import type { ApiContext } from './context.js';
import { badRequest, type ApiRequest } from './http.js';
import type { ChannelView, ConnectionView } from './read-model.js';

type Json = Record<string, unknown>;

/** RabbitMQ refuses ranges that would make too many samples. */
const MAX_SAMPLES = 1000;

interface Range {
  ageMs: number;
  incrMs: number;
}

function range(req: ApiRequest | null, prefix: 'msg_rates' | 'lengths' | 'data_rates'): Range | null {
  if (!req) return null;
  const age = req.query.get(`${prefix}_age`);
  const incr = req.query.get(`${prefix}_incr`);
  if (age === null && incr === null) return null;
  const a = Number(age ?? NaN);
  const i = Number(incr ?? NaN);
  if (!Number.isFinite(a) || !Number.isFinite(i) || a <= 0 || i <= 0)
    throw badRequest(`${prefix}_age and ${prefix}_incr must both be positive numbers of seconds`);
  if (a / i > MAX_SAMPLES) throw badRequest(`${prefix}_age / ${prefix}_incr must be at most ${MAX_SAMPLES}`);
  return { ageMs: a * 1000, incrMs: i * 1000 };
}

/** One `*_details` object: the rate, and samples over the requested range. */
function details(series: Series | undefined, field: number, live: number, r: Range | null, now: number): Json {
  const out: Json = { rate: series ? round(series.rate(field)) : 0 };
  if (!r) return out;
  const end = Math.floor(now / r.incrMs) * r.incrMs;
  const samples: { sample: number; timestamp: number }[] = [];
  for (let t = end; t >= end - r.ageMs; t -= r.incrMs) {
    samples.push({ sample: series ? series.at(t, field) : live, timestamp: t });
  }
  const newest = samples[0]!.sample;
  const oldest = samples[samples.length - 1]!.sample;
  out['samples'] = samples;
  out['avg_rate'] = round(((newest - oldest) * 1000) / r.ageMs);
  out['avg'] = round(samples.reduce((s, x) => s + x.sample, 0) / samples.length);
  return out;
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

function sumDeliverGet(c: { deliver: number; deliver_no_ack: number; get: number; get_no_ack: number }): number {
  return c.deliver + c.deliver_no_ack + c.get + c.get_no_ack;
}

const DELIVER_GET_PARTS = ['deliver', 'deliver_no_ack', 'get', 'get_no_ack'];

/** message_stats from counters, with details when the sampler runs; {} while nothing happened (omitted then by the callers but the overview's, as RabbitMQ). */
function stats(
  fields: readonly string[],
  counters: Record<string, number>,
  series: Series | undefined,
  sampler: MessageRates | null,
  req: ApiRequest | null,
): Json {
  const out: Json = {};
  let any = false;
  for (const f of fields) if (counters[f] !== 0) any = true;
  if (!any && !series) return out;
  const r = sampler ? range(req, 'msg_rates') : null;
  const now = sampler?.lastSample || Date.now();
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    out[f] = counters[f];
    if (sampler) out[`${f}_details`] = details(series, i, counters[f]!, r, now);
  }
  if (fields.includes('deliver')) {
    out['deliver_get'] = sumDeliverGet(counters as unknown as ChannelCounters);
    if (sampler) out['deliver_get_details'] = combined(series, fields, DELIVER_GET_PARTS, out['deliver_get'] as number, r, now);
  }
  return out;
}

/** deliver_get_details: the sum of several fields' details. */
function combined(series: Series | undefined, fields: readonly string[], parts: string[], live: number, r: Range | null, now: number): Json {
  const each = parts.map((p) => details(series, fields.indexOf(p), 0, r, now));
  const out: Json = { rate: round(each.reduce((s, d) => s + (d['rate'] as number), 0)) };
  if (r) {
    const samples = (each[0]!['samples'] as { sample: number; timestamp: number }[]).map((s, i) => ({
      sample: series ? each.reduce((sum, d) => sum + (d['samples'] as { sample: number }[])[i]!.sample, 0) : live,
      timestamp: s.timestamp,
    }));
    out['samples'] = samples;
    out['avg_rate'] = round(each.reduce((s, d) => s + (d['avg_rate'] as number), 0));
    out['avg'] = round(samples.reduce((s, x) => s + x.sample, 0) / samples.length);
  }
  return out;
}

/** RabbitMQ leaves message_stats out of an object nothing has happened to yet. */
function present(messageStats: Json): Json {
  return Object.keys(messageStats).length === 0 ? {} : { message_stats: messageStats };
}

/** messages_details, messages_ready_details, messages_unacknowledged_details (depth history). */
function depthDetails(series: Series | undefined, firstField: number, live: number[], sampler: MessageRates | null, req: ApiRequest | null): Json {
  if (!sampler) return {};
  const r = range(req, 'lengths');
  const now = sampler.lastSample || Date.now();
  return {
    messages_details: details(series, firstField, live[0]!, r, now),
    messages_ready_details: details(series, firstField + 1, live[1]!, r, now),
    messages_unacknowledged_details: details(series, firstField + 2, live[2]!, r, now),
  };
}

export function queueRates(ctx: ApiContext, req: ApiRequest | null, q: Queue): Json {
  const sampler = ctx.stats;
  const series = sampler?.of(q);
  const live = [q.messageCount + q.unackedCount, q.messageCount, q.unackedCount];
  return {
    ...present(stats(QUEUE_FIELDS, q.stats as unknown as Record<string, number>, series, sampler, req)),
    ...depthDetails(series, QUEUE_FIELDS.length, live, sampler, req),
  };
}

export function exchangeRates(ctx: ApiContext, req: ApiRequest | null, x: Exchange): Json {
  return present(stats(['publish_in', 'publish_out'], x.stats as unknown as Record<string, number>, ctx.stats?.of(x), ctx.stats, req));
}

export function channelRates(ctx: ApiContext, req: ApiRequest | null, ch: ChannelView): Json {
  return present(stats(CHANNEL_FIELDS, ch.stats as unknown as Record<string, number>, ctx.stats?.of(ch), ctx.stats, req));
}

export function connectionRates(ctx: ApiContext, req: ApiRequest | null, c: ConnectionView): Json {
  const sampler = ctx.stats;
  if (!sampler) return {};
  const series = sampler.of(c);
  const counters = sampler.connectionTotals(c);
  const r = range(req, 'data_rates');
  const now = sampler.lastSample || Date.now();
  return {
    ...present(stats(CHANNEL_FIELDS, counters as unknown as Record<string, number>, series, sampler, req)),
    recv_oct_details: details(series, CHANNEL_FIELDS.length, c.recvOctets, r, now),
    send_oct_details: details(series, CHANNEL_FIELDS.length + 1, c.sendOctets, r, now),
  };
}

/** The node (vhost null) or one vhost: message_stats and the queue depth details. */
export function totalRates(ctx: ApiContext, req: ApiRequest | null, vhost: string | null, depth: number[]): { message_stats: Json; depth: Json } {
  const sampler = ctx.stats;
  if (!sampler) return { message_stats: {}, depth: {} };
  const series = sampler.total(vhost);
  const counters = sampler.channelTotals(vhost) as unknown as Record<string, number>;
  return {
    message_stats: stats(CHANNEL_FIELDS, counters, series, sampler, req),
    depth: depthDetails(series, CHANNEL_FIELDS.length, depth, sampler, req),
  };
}
