import { seg } from '../src/cli/admin-client.js';
import { defineCommand } from '../src/cli/command.js';
import { keepPassword, requireUser } from '../src/cli/lookups.js';

export default defineCommand({
  name: 'set_user_tags',
  aliases: [],
  group: 'users',
  summary: "Replace a user's tags; with no tags it clears them",
  description: 'Common tags: administrator, monitoring, policymaker, management. The password is kept.',
  arguments: [
    { name: 'username', description: 'an existing user', required: true, complete: 'users' },
    {
      name: 'tag',
      description: 'tags to set',
      required: false,
      variadic: true,
      complete: { words: ['administrator', 'monitoring', 'policymaker', 'management', 'impersonator'] },
    },
  ],
  options: [],
  async run(ctx, [username, ...tags]) {
    const name = username as string;
    const user = await requireUser(ctx, name);
    // `none` is how list_users shows no tags, not a tag: `set_user_tags u none` clears them too
    const list = tags.flatMap((t) => t.split(',')).filter((t) => t.length > 0 && t !== 'none');
    ctx.out.banner(`Setting tags for user "${name}" to [${list.join(', ')}] ...`);
    await ctx.client.put(`/api/users/${seg(name)}`, { json: { ...keepPassword(user), tags: list.join(',') } });
  },
});
