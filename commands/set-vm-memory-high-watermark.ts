import { totalmem } from 'node:os';
import { defineCommand } from '../src/cli/command.js';
import { CliError, ExitCode } from '../src/cli/exit-codes.js';
import { formatBytes, parseFraction, requireAmount } from '../src/cli/messaging/memory-units.js';

export default defineCommand({
  name: 'set_vm_memory_high_watermark',
  aliases: [],
  group: 'node',
  summary: 'Set the memory limit above which publishers are blocked: a fraction of RAM, or absolute <amount>',
  description:
    "As rabbitmqctl: `set_vm_memory_high_watermark 0.4` (a fraction of the machine's RAM, 0 blocks all publishing) or `set_vm_memory_high_watermark absolute 2GB` (units kB, MB, GB = 1000^n; KiB, MiB, GiB = 1024^n). Takes effect at once and lasts until the daemon restarts (see warren-server --memory-high-watermark).",
  arguments: [
    { name: 'fraction', description: 'a fraction of total RAM (0.4), or the word absolute', required: true },
    { name: 'amount', description: 'with absolute: bytes, or a number with a unit (512MiB, 2GB)', required: false },
  ],
  options: [],
  warrenOnly: { rabbitmqEquivalent: 'rabbitmqctl set_vm_memory_high_watermark' },
  async run(ctx, [first, amount]) {
    const word = first as string;
    let bytes: number;
    if (word === 'absolute') {
      if (amount === undefined) throw new CliError(ExitCode.USAGE, 'absolute needs an amount, e.g. set_vm_memory_high_watermark absolute 2GB');
      bytes = requireAmount(amount, 'memory limit');
    } else {
      if (amount !== undefined)
        throw new CliError(ExitCode.USAGE, `unexpected argument '${amount}' (usage: set_vm_memory_high_watermark <fraction> | absolute <amount>)`);
      const fraction = parseFraction(word, 'memory high watermark');
      // an amount with a unit is accepted too, as a convenience
      bytes = fraction !== undefined ? Math.floor(fraction * totalmem()) : requireAmount(word, 'memory high watermark');
    }
    ctx.out.banner(`Setting memory threshold on the node to ${formatBytes(bytes)} (${bytes} bytes) ...`);
    await ctx.client.put('/api/warren/limits', { json: { memory_high_watermark: bytes } });
  },
});
