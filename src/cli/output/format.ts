// Pure value and row formatting for tsv/csv/json (no chalk, no cli-table3: those live in table.ts).

export type Formatter = 'table' | 'tsv' | 'json' | 'csv';
export const FORMATTERS: readonly Formatter[] = ['table', 'tsv', 'json', 'csv'];

export type Row = Record<string, unknown>;

/** One value as text, as rabbitmqctl prints it: booleans true/false, lists as [a, b], objects as JSON. */
export function formatCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (Array.isArray(value)) {
    if (value.every((v) => v === null || ['string', 'number', 'boolean'].includes(typeof v))) {
      return `[${value.map((v) => String(v)).join(', ')}]`;
    }
    return JSON.stringify(value);
  }
  return JSON.stringify(value);
}

/** Tabs and newlines inside a cell would break the columns: they become \t and \n. Backslashes stay as they
 * are (permission regexes are full of them), as in rabbitmqctl's output. */
function tsvCell(value: unknown): string {
  return formatCell(value).replace(/\t/g, '\\t').replace(/\r?\n/g, '\\n');
}

export function formatTsv(columns: readonly string[], rows: readonly Row[], headers: boolean): string {
  const lines: string[] = [];
  if (headers) lines.push(columns.join('\t'));
  for (const row of rows) lines.push(columns.map((c) => tsvCell(row[c])).join('\t'));
  return lines.length ? `${lines.join('\n')}\n` : '';
}

function csvCell(value: unknown): string {
  const s = formatCell(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** RFC 4180, CRLF-free (LF line ends, as Unix tools expect). */
export function formatCsv(columns: readonly string[], rows: readonly Row[], headers: boolean): string {
  const lines: string[] = [];
  if (headers) lines.push(columns.map(csvCell).join(','));
  for (const row of rows) lines.push(columns.map((c) => csvCell(row[c])).join(','));
  return lines.length ? `${lines.join('\n')}\n` : '';
}

/** An array of objects holding exactly `columns`, in order, with their JSON values (not stringified). */
export function formatJsonRows(columns: readonly string[], rows: readonly Row[]): string {
  const out = rows.map((row) => {
    const o: Row = {};
    for (const c of columns) o[c] = row[c] ?? null;
    return o;
  });
  return `${JSON.stringify(out, null, 2)}\n`;
}
