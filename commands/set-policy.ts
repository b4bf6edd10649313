import { POLICY_KEYS } from '../src/amqp/queue-arguments.js';
import { ApiError, seg } from '../src/cli/admin-client.js';
import { defineCommand } from '../src/cli/command.js';
import { CliError, ExitCode } from '../src/cli/exit-codes.js';
import { noSuchVhost } from '../src/cli/lookups.js';

const APPLY_TO = ['queues', 'exchanges', 'all'] as const;

export default defineCommand({
  name: 'set_policy',
  aliases: [],
  group: 'policies',
  summary: 'Set a policy: a definition applied to the queues and/or exchanges whose names match a pattern, in a virtual host (-p)',
  description:
    'The definition is a JSON object of policy keys, e.g. \'{"max-length": 1000, "overflow": "reject-publish", "dead-letter-exchange": "dlx", "message-ttl": 60000, "expires": 1800000, "max-length-bytes": 1048576, "dead-letter-routing-key": "dead", "alternate-exchange": "ae"}\'. Of the policies matching an object, the one with the highest priority applies. Bad JSON exits 65.',
  arguments: [
    { name: 'name', description: 'the policy name', required: true },
    { name: 'pattern', description: 'regular expression matched against queue/exchange names, e.g. "^orders\\."', required: true },
    { name: 'definition', description: 'the policy definition as a JSON object', required: true, complete: { keys: POLICY_KEYS } },
  ],
  options: [
    { flags: '--priority <n>', description: 'priority among matching policies (higher wins)', defaultValue: '0' },
    { flags: '--apply-to <kind>', description: 'which objects the policy applies to', defaultValue: 'all', choices: APPLY_TO },
  ],
  async run(ctx, [name, pattern, definitionText], options) {
    const policy = name as string;
    let definition: unknown;
    try {
      definition = JSON.parse(definitionText as string);
    } catch (e) {
      throw new CliError(ExitCode.DATA_ERROR, `the policy definition is not valid JSON: ${(e as Error).message}`);
    }
    if (definition === null || typeof definition !== 'object' || Array.isArray(definition)) {
      throw new CliError(ExitCode.DATA_ERROR, 'the policy definition must be a JSON object, e.g. \'{"max-length": 1000}\'');
    }
    // the pattern is PCRE: the server (warren or RabbitMQ) judges it, warrenctl does not second-guess it
    const priorityText = typeof options.priority === 'string' ? options.priority : '0';
    const priority = Number(priorityText);
    if (!/^-?\d+$/.test(priorityText) || !Number.isSafeInteger(priority))
      throw new CliError(ExitCode.USAGE, `invalid --priority '${priorityText}': expected an integer`);
    const applyTo = typeof options.applyTo === 'string' ? options.applyTo : 'all';
    ctx.out.banner(
      `Setting policy "${policy}" for pattern "${pattern as string}" to "${definitionText as string}" with priority "${priority}" for vhost "${ctx.vhost}" ...`,
    );
    try {
      await ctx.client.put(`/api/policies/${seg(ctx.vhost)}/${seg(policy)}`, { json: { pattern, definition, priority, 'apply-to': applyTo } });
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) throw noSuchVhost(ctx.vhost);
      if (e instanceof ApiError && e.status === 400) throw new CliError(ExitCode.DATA_ERROR, `policy refused: ${e.reason || e.error}`); // reason already one line, unescaped
      throw e;
    }
  },
});
