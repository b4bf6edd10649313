import { defineCommand } from '../src/cli/command.js';
import { VERSION } from '../src/common/version.js';

export default defineCommand({
  name: 'version',
  aliases: [],
  group: 'help',
  summary: 'Print the warrenctl version',
  arguments: [],
  options: [],
  async run(ctx) {
    ctx.out.line(VERSION, { version: VERSION });
  },
});
