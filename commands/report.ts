import { seg } from '../src/cli/admin-client.js';
import { type CommandCatalog, type CommandDefinition, defineCommand } from '../src/cli/command.js';
import type { Context } from '../src/cli/context.js';
import type { Io } from '../src/cli/io.js';

interface Section {
  /** key in the JSON report */
  key: string;
  load(): Promise<{ default: CommandDefinition }>;
  /** every info item of a list command, as rabbitmqctl report shows them */
  allItems?: boolean;
}

const NODE_SECTIONS: Section[] = [
  { key: 'status', load: () => import('./status.js') },
  { key: 'cluster_status', load: () => import('./cluster-status.js') },
  { key: 'environment', load: () => import('./environment.js') },
  { key: 'connections', load: () => import('./list-connections.js'), allItems: true },
  { key: 'channels', load: () => import('./list-channels.js'), allItems: true },
];

const VHOST_SECTIONS: Section[] = [
  { key: 'queues', load: () => import('./list-queues.js'), allItems: true },
  { key: 'exchanges', load: () => import('./list-exchanges.js'), allItems: true },
  { key: 'bindings', load: () => import('./list-bindings.js'), allItems: true },
  { key: 'consumers', load: () => import('./list-consumers.js'), allItems: true },
  { key: 'permissions', load: () => import('./list-permissions.js'), allItems: true },
  { key: 'policies', load: () => import('./list-policies.js') },
];

/** A capture of what a command writes: its stdout; its banner comes back through ctx.out.lastBanner. */
function capture(parent: Io): { io: Io; text(): string } {
  let out = '';
  const io: Io = {
    stdout: { write: (s: string) => ((out += s), true), isTTY: parent.stdout.isTTY === true },
    stderr: { write: () => true },
    stdin: parent.stdin,
    env: parent.env,
  };
  return { io, text: () => out };
}

/** Runs one section's command as its own run() would, returning its banner and output. */
async function runSection(ctx: Context, commands: CommandCatalog, section: Section, vhost?: string): Promise<{ banner: string; text: string }> {
  const def = (await section.load()).default;
  const words = section.allItems ? [...((def.arguments.find((a) => a.variadic)?.complete as { words?: readonly string[] } | undefined)?.words ?? [])] : [];
  const sink = capture(ctx.io);
  const sub = ctx.derive(sink.io, def.name, { quiet: true, ...(vhost !== undefined ? { vhost } : {}) });
  await def.run(sub, words, {}, commands);
  return { banner: sub.out.lastBanner, text: sink.text() };
}

/** A section as the report prints it: its banner, its output, a blank line. */
function sectionText(banner: string, text: string): string {
  return `${banner}\n${text}${text.endsWith('\n') || text === '' ? '' : '\n'}\n`;
}

interface Parameter {
  vhost?: string;
  component?: string;
  name?: string;
  value?: unknown;
}

/** Runtime parameters of a vhost: RabbitMQ's /api/parameters; on warren its only ones, the vhost limits. */
async function parameters(ctx: Context, vhost: string): Promise<Parameter[]> {
  if (await ctx.isWarren()) {
    const limits = await ctx.client.get<{ vhost: string; value: unknown }[]>(`/api/vhost-limits/${seg(vhost)}`);
    return limits.map((l) => ({ vhost: l.vhost, component: 'vhost-limits', name: 'limits', value: l.value }));
  }
  return (await ctx.client.get<Parameter[]>('/api/parameters')).filter((p) => p.vhost === vhost);
}

export default defineCommand({
  name: 'report',
  aliases: [],
  group: 'node',
  summary:
    'Print everything about the node for a support request: status, cluster, environment, connections, channels, and per vhost its queues, exchanges, bindings, consumers, permissions, policies and parameters',
  description:
    "The sections of rabbitmqctl report, each as its own command prints it (status, cluster_status, environment, list_connections and list_channels with every info item, then for each virtual host list_queues, list_exchanges, list_bindings, list_consumers, list_permissions, list_policies and its runtime parameters -- on warren, its limits), headed by that command's banner. --formatter json prints one object: {status, cluster_status, environment, connections, channels, vhosts: {name: {queues, exchanges, bindings, consumers, permissions, policies, parameters}}}. A vhost deleted while the report runs is left out, with a warning on stderr.",
  arguments: [],
  options: [],
  async run(ctx, _args, _options, commands) {
    ctx.out.banner(`Reporting server status of node at ${ctx.client.describe()} ...`);
    const json = ctx.out.isJson;
    const report: Record<string, unknown> = {};
    for (const section of NODE_SECTIONS) {
      const { banner, text } = await runSection(ctx, commands, section);
      if (json) report[section.key] = JSON.parse(text);
      else ctx.out.raw(sectionText(banner, text));
    }
    const vhosts = (await ctx.client.get<{ name: string }[]>('/api/vhosts', { query: { columns: 'name' } })).map((v) => v.name).sort();
    const perVhost: Record<string, Record<string, unknown>> = {};
    for (const vhost of vhosts) {
      // a vhost's sections are printed together, once all of them are read: one deleted meanwhile (a live broker's
      // vhosts come and go while the report runs) is left out with a warning, not half printed or fatal
      const entry: Record<string, unknown> = {};
      let text = '';
      try {
        for (const section of VHOST_SECTIONS) {
          const out = await runSection(ctx, commands, section, vhost);
          if (json) entry[section.key] = JSON.parse(out.text);
          else text += sectionText(out.banner, out.text);
        }
        const params = await parameters(ctx, vhost);
        if (json) {
          entry['parameters'] = params;
        } else {
          const sink = capture(ctx.io);
          const sub = ctx.derive(sink.io, 'report', {});
          await sub.out.list(
            ['component', 'name', 'value'],
            params.map((p) => ({ ...p })),
          );
          text += sectionText(`Listing runtime parameters for vhost "${vhost}" ...`, sink.text());
        }
      } catch (e) {
        // (the vhost's own error stands unless the vhost is known to be gone)
        const gone = await ctx.client.request('GET', `/api/vhosts/${seg(vhost)}`).then(
          (r) => r.status === 404,
          () => false,
        );
        if (!gone) throw e;
        ctx.io.stderr.write(`warning: vhost '${vhost}' was deleted while the report ran; left out\n`);
        continue;
      }
      if (json) perVhost[vhost] = entry;
      else ctx.out.raw(text);
    }
    if (json) ctx.out.json({ ...report, vhosts: perVhost });
  },
});
