// What the API handlers are given: the daemon they administer (through the read model of
// read-model.ts) and a few node facts.
import type { Broker } from '../broker/broker.js';
import type { Vhost } from '../broker/vhost.js';
import type { MessageRates } from '../broker/stats-series.js';
import { notFound } from './http.js';
import type { NodeView } from './read-model.js';

export interface ApiListenerInfo {
  protocol: string;
  host: string;
  port: number;
}

export interface ApiContext {
  /** the node: broker, connections, life cycle (src/server's WarrenServer) */
  server: NodeView;
  dataDir: string;
  version: string;
  /** TCP listeners of the API itself (for status and health checks) */
  apiListeners(): ApiListenerInfo[];
  /** shuts the daemon down cleanly, as SIGTERM does */
  stop(): void;
  /** message rates and history (null: rates_mode none) */
  stats: MessageRates | null;
  /** node and vhost message counters, closed channels included (the sampler, sampling or not) */
  counters: MessageRates | null;
}

export function brokerOf(ctx: ApiContext): Broker {
  return ctx.server.broker;
}

export function vhostOr404(ctx: ApiContext, name: string | undefined): Vhost {
  const vhost = name === undefined ? undefined : ctx.server.broker.vhosts.get(name);
  if (!vhost) throw notFound();
  return vhost;
}

export { NODE_NAME } from '../broker/node-name.js';
