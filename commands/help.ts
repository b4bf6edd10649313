import { CliError, ExitCode } from '../src/cli/exit-codes.js';
import { defineCommand } from '../src/cli/command.js';
import { commandHelp, generalHelp } from '../src/cli/help.js';

export default defineCommand({
  name: 'help',
  aliases: [],
  group: 'help',
  summary: 'List the commands, or show the usage of one',
  arguments: [{ name: 'command', description: 'a command name', required: false, complete: 'commands' }],
  options: [],
  async run(ctx, [word], _options, commands) {
    if (word === undefined) {
      ctx.out.raw(generalHelp(await commands.loadAll()));
      return;
    }
    const entry = commands.find(word);
    if (!entry) throw new CliError(ExitCode.USAGE, `unknown command '${word}'; run \`warrenctl help\` for the list of commands`);
    ctx.out.raw(commandHelp((await entry.load()).default));
  },
});
