import { defineCommand } from '../src/cli/command.js';
import { updateVhost } from '../src/cli/vhost-update.js';

export default defineCommand({
  name: 'set_vhost_tags',
  aliases: [],
  group: 'vhosts',
  summary: 'Set the tags of a virtual host (no tags clears them)',
  description: 'Replaces the tags and keeps the description. A missing vhost exits 65.',
  arguments: [
    { name: 'vhost', description: 'an existing virtual host', required: true, complete: 'vhosts' },
    { name: 'tag', description: 'tags to set', required: false, variadic: true },
  ],
  options: [],
  async run(ctx, [vhost, ...tags]) {
    const name = vhost as string;
    const list = tags
      .flatMap((t) => t.split(','))
      .map((t) => t.trim())
      .filter((t) => t !== '');
    ctx.out.banner(`Setting tags for virtual host "${name}" to [${list.join(', ')}] ...`);
    await updateVhost(ctx, name, { tags: list });
  },
});
