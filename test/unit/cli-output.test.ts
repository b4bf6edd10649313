import { describe, expect, it } from 'vitest';
import { formatCell, formatCsv, formatJsonRows, formatTsv } from '../../src/cli/output/format.js';
import { Output, type OutputOptions } from '../../src/cli/output/output.js';
import type { Io } from '../../src/cli/io.js';

function capture(tty: boolean, env: NodeJS.ProcessEnv = {}): { io: Io; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    io: {
      stdout: { write: (s: string) => ((out += s), true), isTTY: tty },
      stderr: { write: (s: string) => ((err += s), true), isTTY: tty },
      stdin: process.stdin,
      env,
    },
    out: () => out,
    err: () => err,
  };
}

const base: OutputOptions = { quiet: false, silent: false, tableHeaders: true, color: true };
const rows = [
  { name: 'q1', messages: 3, durable: true, arguments: { 'x-max-length': 10 } },
  { name: 'tab\there, "comma"', messages: 0, durable: false, arguments: {} },
];
const columns = ['name', 'messages', 'durable', 'arguments'];

describe('formatCell', () => {
  it('prints values as rabbitmqctl does', () => {
    expect(formatCell(undefined)).toBe('');
    expect(formatCell(null)).toBe('');
    expect(formatCell(true)).toBe('true');
    expect(formatCell(12)).toBe('12');
    expect(formatCell(['administrator', 'monitoring'])).toBe('[administrator, monitoring]');
    expect(formatCell([])).toBe('[]');
    expect(formatCell({ a: 1 })).toBe('{"a":1}');
  });
});

describe('formatters', () => {
  it('tsv: header line, tab separated, escaped tabs', () => {
    expect(formatTsv(columns, rows, true)).toBe('name\tmessages\tdurable\targuments\nq1\t3\ttrue\t{"x-max-length":10}\ntab\\there, "comma"\t0\tfalse\t{}\n');
    expect(formatTsv(columns, rows, false).split('\n')[0]).toBe('q1\t3\ttrue\t{"x-max-length":10}');
    expect(formatTsv(columns, [], false)).toBe('');
  });

  it('csv: RFC 4180 quoting', () => {
    const text = formatCsv(['name', 'messages'], rows, true);
    expect(text).toBe('name,messages\nq1,3\n"tab\there, ""comma""",0\n');
  });

  it('json: objects with exactly the columns, values not stringified', () => {
    const parsed = JSON.parse(formatJsonRows(['name', 'messages', 'missing'], rows)) as unknown;
    expect(parsed).toEqual([
      { name: 'q1', messages: 3, missing: null },
      { name: 'tab\there, "comma"', messages: 0, missing: null },
    ]);
  });
});

describe('Output', () => {
  it('defaults to tsv with a header when stdout is not a terminal; banners on stderr', async () => {
    const c = capture(false);
    const o = new Output(c.io, base);
    expect(o.formatter).toBe('tsv');
    o.banner('Listing queues for vhost / ...');
    await o.list(['name', 'messages'], rows.slice(0, 1));
    expect(c.out()).toBe('name\tmessages\nq1\t3\n');
    expect(c.err()).toBe('Listing queues for vhost / ...\n');
  });

  it('-q drops banners, -s also the header, --no-table-headers only the header', async () => {
    const q = capture(false);
    const quiet = new Output(q.io, { ...base, quiet: true });
    quiet.banner('x');
    await quiet.list(['name'], [{ name: 'a' }]);
    expect(q.err()).toBe('');
    expect(q.out()).toBe('name\na\n');

    const s = capture(false);
    const silent = new Output(s.io, { ...base, silent: true });
    silent.banner('x');
    await silent.list(['name'], [{ name: 'a' }]);
    expect(s.err()).toBe('');
    expect(s.out()).toBe('a\n');

    const n = capture(false);
    const noHeaders = new Output(n.io, { ...base, tableHeaders: false });
    noHeaders.banner('x');
    await noHeaders.list(['name'], [{ name: 'a' }]);
    expect(n.err()).toBe('x\n');
    expect(n.out()).toBe('a\n');
  });

  it('uses a table on a terminal, coloured unless NO_COLOR or --no-color', async () => {
    const c = capture(true);
    const o = new Output(c.io, base);
    expect(o.formatter).toBe('table');
    await o.list(['name', 'messages'], rows.slice(0, 1));
    expect(c.out()).toContain('┌');
    expect(c.out()).toContain('\u001b[');

    const plain = capture(true, { NO_COLOR: '1' });
    await new Output(plain.io, base).list(['name'], [{ name: 'a' }]);
    expect(plain.out()).toContain('┌');
    expect(plain.out()).not.toContain('\u001b[');

    const noColor = capture(true);
    await new Output(noColor.io, { ...base, color: false }).list(['name'], [{ name: 'a' }]);
    expect(noColor.out()).not.toContain('\u001b[');
  });

  it('honours an explicit formatter on a terminal', async () => {
    const c = capture(true);
    const o = new Output(c.io, { ...base, formatter: 'json' });
    await o.list(['name'], [{ name: 'a' }]);
    expect(JSON.parse(c.out())).toEqual([{ name: 'a' }]);
  });

  it('prints objects as key/value rows, or as JSON', async () => {
    const c = capture(false);
    await new Output(c.io, base).object({ version: '0.1.0', app_running: true });
    expect(c.out()).toBe('key\tvalue\nversion\t0.1.0\napp_running\ttrue\n');
    const j = capture(false);
    await new Output(j.io, { ...base, formatter: 'json' }).object({ version: '0.1.0' });
    expect(JSON.parse(j.out())).toEqual({ version: '0.1.0' });
  });

  it('writes errors as one line on stderr', async () => {
    const c = capture(false);
    await new Output(c.io, base).error('no such vhost');
    expect(c.err()).toBe('Error: no such vhost\n');
    expect(c.out()).toBe('');
  });
});
