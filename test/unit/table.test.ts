// The terminal table: no separator lines between rows, cells cut to the terminal width (never with
// --no-truncate, i.e. no width), one line per row whatever the cell holds.
import { describe, expect, it } from 'vitest';
import { renderTable } from '../../src/cli/output/table.js';

describe('renderTable', () => {
  const rows = [
    { name: 'orders', messages: 3, arguments: { 'x-max-length': 1000, 'x-message-ttl': 60000 } },
    { name: 'a-very-long-queue-name-indeed', messages: 0, arguments: {} },
  ];

  it('draws a border, a header rule, and no rule between rows', () => {
    const text = renderTable(['name', 'messages'], rows, true, false);
    expect(text).toBe(
      [
        '┌───────────────────────────────┬──────────┐',
        '│ name                          │ messages │',
        '├───────────────────────────────┼──────────┤',
        '│ orders                        │ 3        │',
        '│ a-very-long-queue-name-indeed │ 0        │',
        '└───────────────────────────────┴──────────┘',
        '',
      ].join('\n'),
    );
  });

  it('cuts the widest cells to fit the width, with an ellipsis; without a width nothing is cut', () => {
    const cut = renderTable(['name', 'arguments'], rows, true, false, 40);
    for (const line of cut.trimEnd().split('\n')) expect([...line].length).toBeLessThanOrEqual(40);
    expect(cut).toContain('…');
    const whole = renderTable(['name', 'arguments'], rows, true, false);
    expect(whole).toContain('{"x-max-length":1000,"x-message-ttl":60000}');
  });

  it('keeps one line per row when a cell holds a newline, and renders 10,000 rows', () => {
    const text = renderTable(['name'], [{ name: 'a\nb' }], false, false);
    expect(text.trimEnd().split('\n')).toHaveLength(3);
    const many = Array.from({ length: 10_000 }, (_, i) => ({ name: `q${i}`, messages: i }));
    expect(renderTable(['name', 'messages'], many, true, true, 80).trimEnd().split('\n')).toHaveLength(10_004);
  });
});
