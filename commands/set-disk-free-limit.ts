import { totalmem } from 'node:os';
import { defineCommand } from '../src/cli/command.js';
import { CliError, ExitCode } from '../src/cli/exit-codes.js';
import { formatBytes, requireAmount } from '../src/cli/messaging/memory-units.js';

export default defineCommand({
  name: 'set_disk_free_limit',
  aliases: [],
  group: 'node',
  summary: 'Set the free disk space below which publishers are blocked: <amount>, or mem_relative <fraction>',
  description:
    'As rabbitmqctl: `set_disk_free_limit 50MB` (bytes, or units kB, MB, GB = 1000^n; KiB, MiB, GiB = 1024^n) or `set_disk_free_limit mem_relative 1.0` (relative to total RAM). Takes effect at once and lasts until the daemon restarts (see warren-server --disk-free-limit).',
  arguments: [
    { name: 'limit', description: 'bytes or an amount with a unit (50MB, 1GB), or the word mem_relative', required: true },
    { name: 'fraction', description: 'with mem_relative: a multiple of total RAM (e.g. 1.0)', required: false },
  ],
  options: [],
  warrenOnly: { rabbitmqEquivalent: 'rabbitmqctl set_disk_free_limit' },
  async run(ctx, [first, fraction]) {
    const word = first as string;
    let bytes: number;
    if (word === 'mem_relative') {
      if (fraction === undefined || !/^\s*\d*\.?\d+\s*$/.test(fraction))
        throw new CliError(ExitCode.USAGE, 'mem_relative needs a number, e.g. set_disk_free_limit mem_relative 1.0');
      bytes = Math.floor(Number(fraction) * totalmem());
    } else {
      if (fraction !== undefined)
        throw new CliError(ExitCode.USAGE, `unexpected argument '${fraction}' (usage: set_disk_free_limit <amount> | mem_relative <fraction>)`);
      bytes = requireAmount(word, 'disk free limit');
    }
    ctx.out.banner(`Setting disk free limit on the node to ${formatBytes(bytes)} (${bytes} bytes) ...`);
    await ctx.client.put('/api/warren/limits', { json: { disk_free_limit: bytes } });
  },
});
