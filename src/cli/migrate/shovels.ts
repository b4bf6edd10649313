// Moving messages with RabbitMQ's own shovel plugin: one dynamic shovel per queue, declared on the destination
// through its management API (PUT /api/parameters/shovel/VHOST/NAME). The shovel consumes from the warren node
// over AMQP and acks each message there only once the destination confirmed it (ack-mode on-confirm), and deletes
// itself when the queue is drained (src-delete-after queue-length). It runs inside the cluster: the move goes on
// if warrenctl exits, and a re-run of migrate finds it by its name.
import { type AdminClient, ApiError, seg } from '../admin-client.js';
import { CliError, ExitCode } from '../exit-codes.js';

export const SHOVEL_PREFIX = 'warren-migrate-';

export function shovelName(queue: string): string {
  return `${SHOVEL_PREFIX}${queue}`;
}

/** amqp://user:pass@host:port/VHOST for the shovel's source */
export function sourceUri(base: URL, vhost: string): string {
  const u = new URL(base.href);
  u.pathname = `/${encodeURIComponent(vhost)}`;
  return u.href;
}

export function shovelDefinition(source: string, vhost: string, queue: string, prefetch: number): Record<string, unknown> {
  return {
    'src-protocol': 'amqp091',
    'src-uri': source,
    'src-queue': queue,
    'src-prefetch-count': prefetch,
    'src-delete-after': 'queue-length',
    'dest-protocol': 'amqp091',
    // a direct connection to the node the shovel runs on, in the same vhost
    'dest-uri': `amqp:///${encodeURIComponent(vhost)}`,
    'dest-queue': queue,
    'ack-mode': 'on-confirm',
    'reconnect-delay': 2,
  };
}

export async function declareShovel(dest: AdminClient, vhost: string, queue: string, source: string, prefetch: number): Promise<void> {
  try {
    await dest.put(`/api/parameters/shovel/${seg(vhost)}/${seg(shovelName(queue))}`, {
      json: { component: 'shovel', vhost, name: shovelName(queue), value: shovelDefinition(source, vhost, queue, prefetch) },
    });
  } catch (e) {
    if (e instanceof ApiError && /component|shovel/i.test(`${e.error} ${e.reason}`) && e.status === 400) {
      throw new CliError(
        ExitCode.UNAVAILABLE,
        `the destination cannot run shovels (${e.reason || e.error}): enable the plugin on every node with: rabbitmq-plugins enable rabbitmq_shovel rabbitmq_shovel_management`,
      );
    }
    throw e;
  }
}

/** Deletes a shovel (its parameter); the shovel's unacked messages go back to the source queue. */
export async function deleteShovel(dest: AdminClient, vhost: string, name: string): Promise<void> {
  const res = await dest.request('DELETE', `/api/parameters/shovel/${seg(vhost)}/${seg(name)}`);
  if (res.status !== 204 && res.status !== 200 && res.status !== 404)
    throw new ApiError(res.status, 'delete shovel', res.text.slice(0, 200), 'DELETE', `/api/parameters/shovel/${vhost}/${name}`);
}

export interface ShovelState {
  vhost: string;
  name: string;
  queue: string;
  /** running, starting, terminated (with a reason), or declared when the status is not known yet */
  state: string;
  reason?: string;
}

/** The migrate shovels that still exist (as parameters), with their runtime state when the shovel_management plugin gives it. */
export async function migrateShovels(dest: AdminClient): Promise<Map<string, ShovelState>> {
  const params = await dest.get<{ vhost: string; name: string }[]>('/api/parameters/shovel');
  const out = new Map<string, ShovelState>();
  for (const p of params ?? []) {
    if (!p.name.startsWith(SHOVEL_PREFIX)) continue;
    out.set(key(p.vhost, p.name), { vhost: p.vhost, name: p.name, queue: p.name.slice(SHOVEL_PREFIX.length), state: 'declared' });
  }
  const status = await dest.request('GET', '/api/shovels');
  if (status.status === 200 && Array.isArray(status.body)) {
    for (const s of status.body as { vhost?: string; name?: string; state?: string; reason?: unknown }[]) {
      const found = out.get(key(s.vhost ?? '', s.name ?? ''));
      if (!found) continue;
      found.state = s.state ?? found.state;
      if (s.reason !== undefined) found.reason = typeof s.reason === 'string' ? s.reason : JSON.stringify(s.reason);
    }
  }
  return out;
}

export function key(vhost: string, name: string): string {
  return `${vhost}\u0000${name}`;
}
