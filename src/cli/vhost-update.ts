// Changing one thing of an existing vhost through the management API (trace_on / trace_off, set_vhost_tags).
// RabbitMQ's PUT of a vhost replaces its description and tags, so what is not changed is sent back as it is; a
// PUT would create a missing vhost, so one is looked up first (missing: 65, as everywhere in warrenctl).
import { ApiError, seg } from './admin-client.js';
import type { Context } from './context.js';
import { noSuchVhost } from './lookups.js';

interface ApiVhost {
  description?: string;
  tags?: string[] | string;
  default_queue_type?: string;
}

export interface VhostChange {
  /** the firehose (trace_on / trace_off): the vhost's `tracing` field, honoured by RabbitMQ and warren */
  tracing?: boolean;
  tags?: readonly string[];
}

export async function updateVhost(ctx: Context, vhost: string, change: VhostChange): Promise<void> {
  const path = `/api/vhosts/${seg(vhost)}`;
  let current: ApiVhost;
  try {
    current = await ctx.client.get<ApiVhost>(path);
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) throw noSuchVhost(vhost);
    throw e;
  }
  const tags = change.tags ?? (Array.isArray(current.tags) ? current.tags : (current.tags ?? '').split(','));
  const body: Record<string, unknown> = { description: current.description ?? '', tags: tags.filter((t) => t !== '').join(',') };
  if (current.default_queue_type !== undefined && current.default_queue_type !== 'undefined') body['default_queue_type'] = current.default_queue_type;
  if (change.tracing !== undefined) body['tracing'] = change.tracing;
  await ctx.client.put(path, { json: body });
}
