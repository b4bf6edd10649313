import { describe, expect, it } from 'vitest';
import { CliError, ExitCode } from '../../src/cli/exit-codes.js';
import type { CommandDefinition } from '../../src/cli/command.js';
import { fastParse, splitArgv } from '../../src/cli/argv.js';
import { apiColumns, BINDING_ITEMS, CONSUMER_ITEMS, parseInfoItems, QUEUE_ITEMS, toRows, USER_ITEMS } from '../../src/cli/info-items.js';
import { parseCommandLine } from '../../src/cli/parse.js';
import { findEntry } from '../../src/cli/registry.js';

async function def(name: string): Promise<CommandDefinition> {
  const entry = findEntry(name);
  if (!entry) throw new Error(name);
  return (await entry.load()).default;
}

describe('splitArgv', () => {
  it('finds the command word around global options', () => {
    expect(splitArgv(['-p', 'vh', '--formatter', 'json', 'list_queues', 'name'])).toEqual({
      command: 'list_queues',
      rest: ['-p', 'vh', '--formatter', 'json', 'name'],
      help: false,
      version: false,
    });
    expect(splitArgv(['--data-dir', '/d', 'add-user', 'u', 'p']).command).toBe('add-user');
    expect(splitArgv(['--vhost=/', 'status']).command).toBe('status');
    expect(splitArgv(['-q', '-t', '5', 'ping'])).toMatchObject({ command: 'ping', rest: ['-q', '-t', '5'] });
  });

  it('sees --help and --version', () => {
    expect(splitArgv(['add_user', '--help'])).toMatchObject({ command: 'add_user', help: true });
    expect(splitArgv(['--version'])).toMatchObject({ version: true });
    expect(splitArgv([])).toEqual({ rest: [], help: false, version: false });
  });

  it('keeps words after -- literal', () => {
    expect(splitArgv(['add_user', '--', 'u', '-weird'])).toMatchObject({ command: 'add_user', rest: ['--', 'u', '-weird'], help: false });
  });
});

const SAMPLES: [string, string[]][] = [
  ['set_permissions', ['-p', '/', 'name', '.*', '.*', '.*']],
  ['set_permissions', ['name', '^amq', '', '.*', '--vhost', 'other']],
  ['list_queues', []],
  ['list_queues', ['name', 'messages', 'consumers', '-q', '--formatter', 'json']],
  ['list_queues', ['--formatter=csv', '-s', '--no-table-headers', 'name']],
  ['delete_queue', ['q1', '--if-empty', '-u', '-t', '2.5']],
  ['add_vhost', ['v1', '--description', 'a vhost', '--tags', 'a,b', '--no-color', '-y']],
  ['add_user', ['u', 'p', '--data-dir', '/tmp/x', '--socket', '/tmp/x/s']],
  ['add_user', ['u', '--', '-dash-password']],
  ['export_definitions', ['-']],
  ['status', ['--api-url', 'http://guest:guest@127.0.0.1:15672']],
  ['set_user_tags', ['u']],
  ['set_user_tags', ['u', 'administrator', 'monitoring']],
  ['publish', ['-r', 'q', '--header', 'a=1', '-H', 'b=2', '--persistent', 'body']],
  ['consume', ['q', '--no-ack', '-c', '3', '--bind', 'a.*', '--bind', 'b.#', '-e', 'x']],
];

describe('fast parser agrees with commander', () => {
  it.each(SAMPLES)('%s %j', async (name, words) => {
    const d = await def(name);
    const fast = fastParse(d, words);
    const slow = parseCommandLine(d, words);
    expect(fast).toBeDefined();
    expect(fast).toEqual(slow);
  });

  const BAD: [string, string[]][] = [
    ['add_user', []],
    ['set_permissions', ['u', '.*', '.*']],
    ['delete_user', ['a', 'b']],
    ['list_queues', ['--bogus']],
    ['list_queues', ['--formatter', 'yaml']],
    ['list_queues', ['-p']],
    ['list_queues', ['-qs']],
  ];
  it.each(BAD)('%s %j: fast parser defers, commander says usage (64)', async (name, words) => {
    const d = await def(name);
    expect(fastParse(d, words)).toBeUndefined();
    let error: unknown;
    try {
      parseCommandLine(d, words);
    } catch (e) {
      error = e;
    }
    if (name === 'list_queues' && words[0] === '-qs') {
      // bundled short flags are valid for commander: the fallback parses them
      expect(error).toBeUndefined();
      return;
    }
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).exitCode).toBe(ExitCode.USAGE);
  });

  it('applies defaults', async () => {
    const parsed = fastParse(await def('list_queues'), []);
    expect(parsed?.globals).toMatchObject({ tableHeaders: true, color: true });
    expect(parsed?.globals.quiet).toBeUndefined();
    // no -p: Context uses the -N node's vhost, else /
    expect(parsed?.globals.vhost).toBeUndefined();
  });
});

describe('info items', () => {
  it('defaults to rabbitmqctl columns and rejects unknown ones', () => {
    expect(parseInfoItems(QUEUE_ITEMS, [])).toEqual({ columns: ['name', 'messages'], unknown: [] });
    expect(parseInfoItems(QUEUE_ITEMS, ['name,consumers', 'bogus'])).toEqual({ columns: ['name', 'consumers', 'bogus'], unknown: ['bogus'] });
  });

  it('maps API objects onto info items', () => {
    expect(
      toRows(CONSUMER_ITEMS, ['queue_name', 'channel_pid', 'consumer_tag'], [{ queue: { name: 'q' }, channel_details: { name: 'ch 1' }, consumer_tag: 'c1' }]),
    ).toEqual([{ queue_name: 'q', channel_pid: 'ch 1', consumer_tag: 'c1' }]);
    expect(
      toRows(
        BINDING_ITEMS,
        ['source_name', 'source_kind', 'destination_name', 'destination_kind'],
        [{ source: 'amq.direct', destination: 'q', destination_type: 'queue' }],
      ),
    ).toEqual([{ source_name: 'amq.direct', source_kind: 'exchange', destination_name: 'q', destination_kind: 'queue' }]);
  });

  it('asks the API only for the fields the items read (columns=)', () => {
    expect(apiColumns(QUEUE_ITEMS, ['name', 'messages'])).toBe('name,messages');
    expect(apiColumns(QUEUE_ITEMS, ['name', 'pid', 'owner_pid'])).toBe('name,pid,node,owner_pid_details.name,owner_pid');
    expect(apiColumns(CONSUMER_ITEMS, ['queue_name', 'channel_pid'])).toBe('queue.name,channel_details.name');
    expect(apiColumns(BINDING_ITEMS, ['source_name', 'source_kind'])).toBe('source');
    expect(apiColumns(USER_ITEMS, ['user', 'tags'])).toBe('name,tags');
  });
});
