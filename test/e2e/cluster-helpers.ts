// Helpers for the tests against the three-node RabbitMQ cluster of .ci/rabbitmq-cluster.sh
// (RABBITMQ_CLUSTER_URLS / RABBITMQ_CLUSTER_API_URLS, node 1 first), three nodes apart from the single RabbitMQ node
// of RABBITMQ_URL. Node 1 is every suite's entry point: these tests never stop it; they stop nodes 2 or 3 and always
// start them again (restartAll in afterAll).
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

export const CLUSTER_URLS = (process.env.RABBITMQ_CLUSTER_URLS ?? '').split(',').filter(Boolean);
export const CLUSTER_API_URLS = (process.env.RABBITMQ_CLUSTER_API_URLS ?? '').split(',').filter(Boolean);
export const CLUSTER_SKIP = CLUSTER_URLS.length < 3 || CLUSTER_API_URLS.length < 3;
if (CLUSTER_SKIP)
  console.warn(
    '[e2e] RABBITMQ_CLUSTER_URLS / RABBITMQ_CLUSTER_API_URLS are not set: skipping the RabbitMQ cluster tests (.ci/rabbitmq-cluster.sh starts the cluster; CI sets them)',
  );

const run = promisify(execFile);

/** GET on one node's management API (guest/guest from the URL) */
export async function api<T = unknown>(apiUrl: string, path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const u = new URL(apiUrl);
  const auth = Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64');
  const res = await fetch(`${u.protocol}//${u.host}${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Basic ${auth}`, ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${path}: ${res.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/** node name of each API URL, in the same order (rabbit@host, rabbit2@host, rabbit3@host) */
export async function nodeNames(): Promise<string[]> {
  return Promise.all(CLUSTER_API_URLS.map(async (u) => (await api<{ node: string }>(u, '/api/overview')).node));
}

export async function rabbitmqctl(...args: string[]): Promise<string> {
  const { stdout } = await run('rabbitmqctl', args, { timeout: 120_000 });
  return stdout;
}

const stopped = new Set<string>();

/** stop_app on node 2 or 3 (never node 1: the other cluster suites enter through it) */
export async function stopApp(node: string, node1: string): Promise<void> {
  if (node === node1) throw new Error(`refusing to stop ${node}: it is the cluster's node 1, which the other suites enter through`);
  stopped.add(node);
  await rabbitmqctl('-n', node, 'stop_app');
}

/**
 * start_app, tried again when it fails: a vhost another cluster suite deletes while this node boots
 * makes RabbitMQ 3.10's boot fail ({no_such_vhost, ...}); the next attempt starts cleanly.
 */
export async function startApp(node: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await rabbitmqctl('-n', node, 'start_app');
      await rabbitmqctl('-n', node, 'await_startup');
      break;
    } catch (e) {
      if (attempt >= 5) throw e;
      console.warn(`[e2e] start_app on ${node} failed (attempt ${attempt}), trying again: ${(e as Error).message.split('\n').slice(0, 3).join(' ')}`);
    }
  }
  stopped.delete(node);
}

/** every node this process stopped is started again (for afterAll, also after a failed test) */
export async function restartAll(): Promise<void> {
  for (const node of [...stopped]) await startApp(node).catch((e: unknown) => console.error(`[e2e] could not start ${node} again: ${(e as Error).message}`));
}

/** A config file with one profile naming the nodes in the given order; returns WARREN_CONFIG's value. */
export function clusterProfile(name: string, order: number[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'warren-cluster-'));
  const file = join(dir, 'config.toml');
  const list = (urls: string[]): string => `[${order.map((i) => JSON.stringify(urls[i])).join(', ')}]`;
  writeFileSync(file, `[nodes.${name}]\napi_url = ${list(CLUSTER_API_URLS)}\nurl = ${list(CLUSTER_URLS)}\n`);
  return file;
}
