// trace_on / trace_off: the vhost's `tracing` field of the management API, which both RabbitMQ (rabbit_trace,
// on the node answering the API) and warren (src/broker/trace.ts) honour. RabbitMQ's PUT of a vhost replaces
// its description and tags, so they are sent back as they are.
import { ApiError, seg } from './admin-client.js';
import type { Context } from './context.js';
import { noSuchVhost } from './lookups.js';

interface ApiVhost {
  description?: string;
  tags?: string[] | string;
  default_queue_type?: string;
  tracing?: boolean;
}

export async function setTracing(ctx: Context, on: boolean): Promise<void> {
  const vhost = ctx.vhost;
  ctx.out.banner(on ? `Starting tracing for vhost "${vhost}" ...` : `Stopping tracing for vhost "${vhost}" ...`);
  const path = `/api/vhosts/${seg(vhost)}`;
  let current: ApiVhost;
  try {
    current = await ctx.client.get<ApiVhost>(path);
  } catch (e) {
    // a PUT would create the vhost: a missing one is an error (65), as everywhere in warrenctl
    if (e instanceof ApiError && e.status === 404) throw noSuchVhost(vhost);
    throw e;
  }
  const body: Record<string, unknown> = { tracing: on };
  if (current.description !== undefined) body['description'] = current.description;
  if (current.tags !== undefined) body['tags'] = Array.isArray(current.tags) ? current.tags.join(',') : current.tags;
  if (current.default_queue_type !== undefined && current.default_queue_type !== 'undefined') body['default_queue_type'] = current.default_queue_type;
  await ctx.client.put(path, { json: body });
  ctx.out.line(on ? `Trace enabled for vhost ${vhost}` : `Trace disabled for vhost ${vhost}`);
}
