// The TTY presentation: a cli-table3 table with chalk colours. Loaded only when stdout is a terminal.
import { Chalk } from 'chalk';
import Table from 'cli-table3';
import { formatCell, type Row } from './format.js';

/**
 * A boxed table without separator lines between rows, drawn directly (cli-table3 measures every cell with
 * string-width and takes seconds for 10,000 rows). Cells are padded before they are coloured. With `width`,
 * the widest columns are narrowed until the table fits, and cut cells end with an ellipsis.
 */
export function renderTable(columns: readonly string[], rows: readonly Row[], headers: boolean, color: boolean, width?: number): string {
  const chalk = new Chalk({ level: color ? 1 : 0 });
  const cells = rows.map((row) => columns.map((c) => oneLine(formatCell(row[c]))));
  const widths = columns.map((c, i) => {
    let w = headers ? displayWidth(c) : 0;
    for (const r of cells) w = Math.max(w, displayWidth(r[i]!));
    return Math.max(w, 1);
  });
  if (width !== undefined) fit(widths, width);
  const border = (l: string, m: string, r: string): string => chalk.grey(`${l}${widths.map((w) => '─'.repeat(w + 2)).join(m)}${r}`);
  const line = (texts: readonly string[], paint: (text: string, i: number) => string): string =>
    `${chalk.grey('│')}${texts.map((t, i) => ` ${paint(pad(cut(t, widths[i]!), widths[i]!), i)} `).join(chalk.grey('│'))}${chalk.grey('│')}`;
  const out: string[] = [border('┌', '┬', '┐')];
  if (headers) {
    out.push(line(columns, (t) => chalk.bold.cyan(t)));
    out.push(border('├', '┼', '┤'));
  }
  for (let r = 0; r < cells.length; r++) {
    const row = rows[r]!;
    out.push(line(cells[r]!, (t, i) => paintValue(chalk, row[columns[i]!], t)));
  }
  out.push(border('└', '┴', '┘'));
  return `${out.join('\n')}\n`;
}

/** Narrows the widest columns until borders and cells fit in `total` characters (each column keeps 3). */
function fit(widths: number[], total: number): void {
  const overhead = 3 * widths.length + 1;
  let excess = widths.reduce((a, b) => a + b, 0) + overhead - total;
  while (excess > 0) {
    let widest = 0;
    for (let i = 1; i < widths.length; i++) if (widths[i]! > widths[widest]!) widest = i;
    if (widths[widest]! <= 3) return;
    widths[widest]!--;
    excess--;
  }
}

const oneLine = (text: string): string => (text.includes('\n') ? text.replace(/\r?\n/g, '\u21b5') : text);

/** Display width: code points, with East Asian wide characters as 2 (no ANSI codes here: cells are painted after padding). */
function displayWidth(text: string): number {
  let w = 0;
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    w +=
      c >= 0x1100 &&
      (c <= 0x115f ||
        (c >= 0x2e80 && c <= 0xa4cf) ||
        (c >= 0xac00 && c <= 0xd7a3) ||
        (c >= 0xf900 && c <= 0xfaff) ||
        (c >= 0xfe30 && c <= 0xfe4f) ||
        (c >= 0xff00 && c <= 0xff60) ||
        (c >= 0xffe0 && c <= 0xffe6) ||
        (c >= 0x1f300 && c <= 0x1faff) ||
        (c >= 0x20000 && c <= 0x3fffd))
        ? 2
        : 1;
  }
  return w;
}

function cut(text: string, width: number): string {
  if (displayWidth(text) <= width) return text;
  let out = '';
  let w = 0;
  for (const ch of text) {
    const cw = displayWidth(ch);
    if (w + cw > width - 1) break;
    out += ch;
    w += cw;
  }
  return `${out}…`;
}

const pad = (text: string, width: number): string => text + ' '.repeat(Math.max(0, width - displayWidth(text)));

function paintValue(chalk: InstanceType<typeof Chalk>, value: unknown, text: string): string {
  if (value === true) return chalk.green(text);
  if (value === false) return chalk.dim(text);
  if (typeof value === 'number') return chalk.yellow(text);
  return text;
}

function colourValue(chalk: InstanceType<typeof Chalk>, value: unknown): string {
  const text = formatCell(value);
  if (value === true) return chalk.green(text);
  if (value === false) return chalk.dim(text);
  if (typeof value === 'number') return chalk.yellow(text);
  return text;
}

export function renderKeyValues(record: Row, color: boolean): string {
  const chalk = new Chalk({ level: color ? 1 : 0 });
  const table = new Table({ style: { head: [], border: color ? ['grey'] : [] } });
  for (const [k, v] of Object.entries(record)) table.push({ [chalk.bold(k)]: colourValue(chalk, v) });
  return `${table.toString()}\n`;
}

export function colourError(text: string, color: boolean): string {
  return new Chalk({ level: color ? 1 : 0 }).red(text);
}
