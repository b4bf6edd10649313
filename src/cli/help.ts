// Help texts, built from the registry and the command definitions (the same source as man and completion).
import { argumentUsage, type CommandDefinition, type CommandGroup, hyphenated, type OptionSpec } from './command.js';
import { GLOBAL_OPTIONS } from './global-options.js';

export const GROUP_TITLES: Readonly<Record<CommandGroup, string>> = {
  users: 'Users',
  vhosts: 'Virtual hosts',
  access: 'Access control',
  observe: 'Monitoring, observability and health',
  queues: 'Queues',
  connections: 'Connections',
  messaging: 'Messaging (AMQP)',
  policies: 'Policies',
  node: 'Node',
  definitions: 'Definitions',
  help: 'Help and shell integration',
};

function optionLines(options: readonly OptionSpec[]): string[] {
  const width = Math.max(0, ...options.map((o) => o.flags.length));
  return options.map(
    (o) =>
      `  ${o.flags.padEnd(width)}  ${o.description}${o.defaultValue !== undefined && o.defaultValue !== false ? ` (default: ${String(o.defaultValue)})` : ''}`,
  );
}

export function generalHelp(defs: readonly CommandDefinition[]): string {
  const lines = [
    'Usage: warrenctl [global options] <command> [arguments]',
    '',
    'Administers a local warren-server over its control socket, or a RabbitMQ node over its',
    "management HTTP API (--api-url). Run `warrenctl help <command>` for a command's arguments.",
  ];
  const width = Math.max(...defs.map((d) => d.name.length));
  for (const group of Object.keys(GROUP_TITLES) as CommandGroup[]) {
    const inGroup = defs.filter((d) => d.group === group && !d.hidden);
    if (!inGroup.length) continue;
    lines.push('', `${GROUP_TITLES[group]}:`);
    for (const d of inGroup) lines.push(`  ${d.name.padEnd(width)}  ${d.summary}`);
  }
  lines.push('', 'Global options:', ...optionLines(GLOBAL_OPTIONS));
  lines.push('', 'Hyphenated aliases are accepted (add-user for add_user). See warrenctl(8).', '');
  return lines.join('\n');
}

export function commandUsage(def: CommandDefinition): string {
  const own = def.options.length ? ' [options]' : '';
  const args = argumentUsage(def.arguments);
  return `warrenctl [global options] ${def.name}${own}${args ? ` ${args}` : ''}`;
}

export function commandHelp(def: CommandDefinition): string {
  const lines = [`Usage: ${commandUsage(def)}`, '', def.summary];
  if (def.description) lines.push('', def.description);
  if (def.arguments.length) {
    lines.push('', 'Arguments:');
    const width = Math.max(...def.arguments.map((a) => a.name.length));
    for (const a of def.arguments) lines.push(`  ${a.name.padEnd(width)}  ${a.description}${a.required ? '' : ' (optional)'}`);
  }
  if (def.options.length) lines.push('', 'Options:', ...optionLines(def.options));
  const aliases = [hyphenated(def.name), ...def.aliases].filter((a) => a !== def.name);
  if (aliases.length) lines.push('', `Aliases: ${aliases.join(', ')}`);
  if (def.warrenOnly) lines.push('', `Warren-only: against RabbitMQ use \`${def.warrenOnly.rabbitmqEquivalent}\` (exit 69 otherwise).`);
  lines.push('', 'Global options: see `warrenctl help`.', '');
  return lines.join('\n');
}
