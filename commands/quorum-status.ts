import { ApiError, seg } from '../src/cli/admin-client.js';
import { defineCommand } from '../src/cli/command.js';
import { CliError, ExitCode } from '../src/cli/exit-codes.js';
import { noSuchQueue } from '../src/cli/lookups.js';

interface ApiQueue {
  type?: string;
  leader?: string;
  members?: string[];
  online?: string[];
}

export default defineCommand({
  name: 'quorum_status',
  aliases: [],
  group: 'queues',
  summary: "Show a quorum queue's members in a virtual host (-p): member, role (leader or follower), online",
  description:
    'As rabbitmq-queues quorum_status, from the management API (GET /api/queues/{vhost}/{name}). A warren quorum queue has one member, this node. A queue that is not a quorum queue exits 65.',
  arguments: [{ name: 'queue', description: 'the quorum queue', required: true, complete: 'queues' }],
  options: [],
  async run(ctx, [queue]) {
    const name = queue as string;
    ctx.out.banner(`Status of quorum queue '${name}' in vhost '${ctx.vhost}' ...`);
    let q: ApiQueue;
    try {
      q = await ctx.client.get<ApiQueue>(`/api/queues/${seg(ctx.vhost)}/${seg(name)}`);
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) throw noSuchQueue(name, ctx.vhost);
      throw e;
    }
    if (q.type !== 'quorum')
      throw new CliError(ExitCode.DATA_ERROR, `queue '${name}' in vhost '${ctx.vhost}' is not a quorum queue (type ${q.type ?? 'classic'})`);
    const online = new Set(q.online ?? []);
    const rows = [...(q.members ?? [])].sort().map((m) => ({ member: m, role: m === q.leader ? 'leader' : 'follower', online: online.has(m) }));
    await ctx.out.list(['member', 'role', 'online'], rows);
  },
});
