// warrenctl migrate's refusals, on warren alone: each one line with its exit code, before anything is changed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/wait.js';
import { startWarren, type Warren } from '../helpers/warren.js';
import { runCtl } from './ctl.js';

describe('warrenctl migrate refusals against warren', () => {
  let source: Warren;
  let other: Warren;
  let otherApi = '';
  beforeAll(async () => {
    [source, other] = await Promise.all([startWarren(), startWarren({ args: ['--api-port', '0'] })]);
    const m = await waitFor(() => /management API listener on (\S+):(\d+)/.exec(other.output()) ?? undefined, 'the API listener line');
    otherApi = `http://guest:guest@${m[1]}:${m[2]}`;
  });
  afterAll(async () => {
    await Promise.all([source.stop(), other.stop()]);
  });

  it('needs --to (64)', async () => {
    const r = await runCtl(['--data-dir', source.dataDir, 'migrate']);
    expect(r.stderr).toMatch(/^Error: migrate needs --to NODE-OR-URL/m);
    expect(r.code).toBe(64);
  });

  it('an unknown profile is a configuration error (78)', async () => {
    const r = await runCtl(['--data-dir', source.dataDir, 'migrate', '--to', 'nosuchnode'], { env: { WARREN_CONFIG: '/nonexistent/config.toml' } });
    expect(r.stderr).toMatch(/^Error: node 'nosuchnode' \(--node\) needs the config file \/nonexistent\/config\.toml/m);
    expect(r.code).toBe(78);
  });

  it('refuses a destination that is not RabbitMQ (69) and imports nothing there', async () => {
    expect((await runCtl(['--data-dir', source.dataDir, 'add_vhost', 'cluster-mig-refused'])).code).toBe(0);
    const r = await runCtl(['--data-dir', source.dataDir, 'migrate', '--to', otherApi]);
    expect(r.stderr).toMatch(/is not a RabbitMQ node: migrate moves a warren node into RabbitMQ/);
    expect(r.code).toBe(69);
    const vhosts = await runCtl(['--data-dir', other.dataDir, 'list_vhosts']);
    expect(vhosts.stdout).not.toContain('cluster-mig-refused');
  });

  it('an unreachable destination is 69, naming it', async () => {
    const r = await runCtl(['--data-dir', source.dataDir, 'migrate', '--to', 'http://127.0.0.1:1']);
    expect(r.stderr).toMatch(/^Error: cannot reach the management API at http:\/\/127\.0\.0\.1:1: ECONNREFUSED/m);
    expect(r.code).toBe(69);
  });
});
