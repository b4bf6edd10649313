// Everything warrenctl prints goes through here: results on stdout, banners and errors on stderr
// (DESIGN.md convention 9). Heavy presentation modules (cli-table3, chalk) load only on a TTY.
import type { Io } from '../io.js';
import { formatCell, formatCsv, formatJsonRows, type Formatter, formatTsv, type Row } from './format.js';

/** Narrower terminals than this are taken as unsized: cells are not cut. */
const MIN_TRUNCATE_WIDTH = 20;

export interface OutputOptions {
  formatter?: Formatter | undefined;
  quiet: boolean;
  silent: boolean;
  tableHeaders: boolean;
  color: boolean;
  /** cut table cells to the terminal width (--no-truncate: never) */
  truncate?: boolean;
}

export class Output {
  readonly formatter: Formatter;
  private readonly headers: boolean;
  private readonly colorOut: boolean;
  private readonly colorErr: boolean;

  constructor(
    private readonly io: Io,
    private readonly options: OutputOptions,
  ) {
    this.formatter = options.formatter ?? (io.stdout.isTTY ? 'table' : 'tsv');
    this.headers = options.tableHeaders && !options.silent;
    const colorAllowed = options.color && !('NO_COLOR' in io.env && io.env.NO_COLOR !== '');
    this.colorOut = colorAllowed && io.stdout.isTTY === true;
    this.colorErr = colorAllowed && io.stderr.isTTY === true;
  }

  get isJson(): boolean {
    return this.formatter === 'json';
  }

  /** "Listing queues for vhost / ..." on stderr; -q and -s drop it. */
  /** the last banner, also under -q: a command that prints nothing reports it as its JSON result */
  lastBanner = '';

  banner(text: string): void {
    this.lastBanner = text;
    if (this.options.quiet || this.options.silent) return;
    this.io.stderr.write(`${text}\n`);
  }

  /** A plain result line on stdout (e.g. "Ping succeeded", a password hash); with --formatter json, `json` or {"result":"ok","message":text}. */
  line(text: string, json?: Record<string, unknown>): void {
    if (this.isJson) this.json(json ?? { result: 'ok', message: text });
    else this.io.stdout.write(`${text}\n`);
  }

  /** Raw text on stdout, as is (definitions JSON). */
  raw(text: string): void {
    this.io.stdout.write(text);
  }

  json(value: unknown): void {
    this.io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** Rows of info items, in the chosen formatter. */
  async list(columns: readonly string[], rows: readonly Row[]): Promise<void> {
    switch (this.formatter) {
      case 'json':
        this.io.stdout.write(formatJsonRows(columns, rows));
        return;
      case 'csv':
        this.io.stdout.write(formatCsv(columns, rows, this.headers));
        return;
      case 'tsv':
        this.io.stdout.write(formatTsv(columns, rows, this.headers));
        return;
      case 'table': {
        const { renderTable } = await import('./table.js');
        // A terminal that reports no usable width (0 columns: a pty nobody sized) gets whole cells.
        const reported = (this.io.stdout as { columns?: number }).columns ?? 0;
        const width = this.options.truncate === false || reported < MIN_TRUNCATE_WIDTH ? undefined : reported;
        this.io.stdout.write(renderTable(columns, rows, this.headers, this.colorOut, width));
        return;
      }
    }
  }

  /** One object (status): JSON as is; key/value pairs otherwise. */
  async object(record: Row): Promise<void> {
    switch (this.formatter) {
      case 'json':
        this.json(record);
        return;
      case 'table': {
        const { renderKeyValues } = await import('./table.js');
        this.io.stdout.write(renderKeyValues(record, this.colorOut));
        return;
      }
      case 'csv':
      case 'tsv': {
        const rows = Object.entries(record).map(([key, value]) => ({ key, value }));
        const text = this.formatter === 'csv' ? formatCsv(['key', 'value'], rows, this.headers) : formatTsv(['key', 'value'], rows, this.headers);
        this.io.stdout.write(text);
        return;
      }
    }
  }

  /** `Error: ...`, one line on stderr, red on a colour terminal. */
  async error(message: string): Promise<void> {
    const text = `Error: ${message}`;
    if (this.colorErr) {
      const { colourError } = await import('./table.js');
      this.io.stderr.write(`${colourError(text, true)}\n`);
    } else {
      this.io.stderr.write(`${text}\n`);
    }
  }

  static cell(value: unknown): string {
    return formatCell(value);
  }
}
