import { defineCommand } from '../src/cli/command.js';
import { bashCompletion, zshCompletion } from '../src/cli/completion.js';
import { GLOBAL_OPTIONS } from '../src/cli/global-options.js';

export default defineCommand({
  name: 'completion',
  aliases: ['autocomplete'],
  group: 'help',
  summary: 'Print a bash or zsh completion script (commands, options, and names fetched from the daemon)',
  description: 'bash: `source <(warrenctl completion bash)`; zsh: `source <(warrenctl completion zsh)` or save it as _warrenctl in $fpath.',
  arguments: [{ name: 'shell', description: 'bash or zsh', required: true, complete: { words: ['bash', 'zsh'] } }],
  options: [],
  async run(ctx, [shell], _options, commands) {
    const defs = await commands.loadAll();
    const aliases = new Map(commands.entries.map((e) => [e.name, e.aliases ?? []]));
    if (shell === 'bash') ctx.out.raw(bashCompletion(defs, GLOBAL_OPTIONS, aliases));
    else if (shell === 'zsh') ctx.out.raw(zshCompletion(defs, GLOBAL_OPTIONS, aliases));
    else {
      const { CliError, ExitCode } = await import('../src/cli/exit-codes.js');
      throw new CliError(ExitCode.USAGE, `unsupported shell '${shell as string}' (use bash or zsh)`);
    }
  },
});
