// "Every admin command works against RabbitMQ": each command in the registry is run by the parameterised e2e
// suites (which run against warren and RabbitMQ), is target-independent, belongs to the messaging/policy suites,
// or is warren-only -- and then is refused on RabbitMQ with exit 69 and one line naming what to use instead.
// A new admin command without an e2e case fails here.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CommandDefinition } from '../../src/cli/command.js';
import { projectRoot } from '../helpers/warren.js';
import { RABBITMQ_API_URL, runCtl } from './ctl.js';

/** Commands that never talk to a target. */
const TARGET_INDEPENDENT = new Set(['help', 'version', 'completion', 'hash_password', '__complete']);
/** Groups whose commands have their own two-target suites (messaging commands over AMQP). */
const OWN_SUITES = new Set(['messaging', 'policies']);
// migrate reads a warren node and writes a RabbitMQ cluster: its suites are the migrate-*.test.ts files; the
// cluster commands (cluster_status, quorum_status, rebalance) run against the real cluster in cluster-rabbitmq.test.ts
const SUITES = [
  'warrenctl-admin.test.ts',
  'warrenctl-node.test.ts',
  'target-profiles.test.ts',
  'migrate-rabbitmq.test.ts',
  'migrate-errors.test.ts',
  'cluster-rabbitmq.test.ts',
  'limits.test.ts',
  'trace.test.ts',
  'node-diagnostics.test.ts',
  'list-queues-columns.test.ts',
];
/** Plausible arguments, so that only the target decides (warren-only commands are refused before they run). */
const SAMPLE_ARGS: Record<string, string[]> = { set_vm_memory_high_watermark: ['0.4'], set_disk_free_limit: ['50MB'], stop: [] };

async function registry(): Promise<CommandDefinition[]> {
  const { loadAll } = (await import(join(projectRoot, 'dist/src/cli/registry.js'))) as typeof import('../../src/cli/registry.js');
  return loadAll();
}

describe('target coverage of the admin commands', () => {
  it('every admin command has a case in the e2e suites that also run against RabbitMQ', async () => {
    const defs = await registry();
    const source = SUITES.map((f) => readFileSync(join(projectRoot, 'test/e2e', f), 'utf8')).join('\n');
    const admin = defs.filter((d) => !TARGET_INDEPENDENT.has(d.name) && !OWN_SUITES.has(d.group) && !d.warrenOnly);
    expect(admin.length).toBeGreaterThan(25);
    const missing = admin.filter((d) => ![d.name, d.name.replace(/_/g, '-')].some((w) => source.includes(`'${w}'`))).map((d) => d.name);
    expect(missing, 'admin commands with no e2e case').toEqual([]);
    expect(defs.filter((d) => d.warrenOnly).map((d) => d.name)).toEqual(expect.arrayContaining(['stop_app', 'start_app', 'reset', 'force_reset', 'stop']));
  });
});

if (!RABBITMQ_API_URL) console.warn('[e2e] RABBITMQ_API_URL is not set: skipping the warren-only refusals against RabbitMQ');

describe.skipIf(!RABBITMQ_API_URL)('warren-only commands against rabbitmq', () => {
  let warrenOnly: CommandDefinition[] = [];
  beforeAll(async () => {
    warrenOnly = (await registry()).filter((d) => d.warrenOnly);
  });

  it('each exits 69 with one line saying so and naming the rabbitmqctl command to use instead', async () => {
    expect(warrenOnly.length).toBeGreaterThanOrEqual(5);
    const results = await Promise.all(
      warrenOnly.map(async (d) => {
        const args = SAMPLE_ARGS[d.name] ?? d.arguments.filter((a) => a.required).map(() => 'x');
        return { d, r: await runCtl(['--api-url', RABBITMQ_API_URL as string, '-y', d.name, ...args]) };
      }),
    );
    for (const { d, r } of results) {
      expect(r.code, `${d.name}: ${r.stderr}`).toBe(69);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n'), d.name).toHaveLength(1);
      expect(r.stderr).toContain(`${d.name} is a warren-only command`);
      expect(r.stderr).toContain(`use \`${d.warrenOnly?.rabbitmqEquivalent}\``);
    }
    // and the node is untouched: still answering
    expect((await runCtl(['--api-url', RABBITMQ_API_URL as string, 'ping'])).code).toBe(0);
  });
});
