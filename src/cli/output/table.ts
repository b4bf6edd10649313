// The TTY presentation: a cli-table3 table with chalk colours. Loaded only when stdout is a terminal.
import { Chalk } from 'chalk';
import Table from 'cli-table3';
import { formatCell, type Row } from './format.js';

export function renderTable(columns: readonly string[], rows: readonly Row[], headers: boolean, color: boolean): string {
  const chalk = new Chalk({ level: color ? 1 : 0 });
  const table = new Table({
    ...(headers ? { head: columns.map((c) => chalk.bold.cyan(c)) } : {}),
    style: { head: [], border: color ? ['grey'] : [] },
  });
  for (const row of rows) {
    table.push(columns.map((c) => colourValue(chalk, row[c])));
  }
  return `${table.toString()}\n`;
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
