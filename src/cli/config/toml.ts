// A tiny parser for the TOML subset warrenctl's config file uses (no npm dependency for one small file):
//   # comments, [table] and [dotted.table] headers (bare or "quoted" keys), and `key = value` lines where
//   value is a "basic string" (escapes \" \\ \n \t \r \uXXXX), a 'literal string', an integer, true or false,
//   or a one-line array of strings (["a", 'b']; a profile's several node URLs).
// Other arrays, inline tables, multi-line strings, dates and floats are not part of the subset: they are
// reported as errors with the line number rather than misread.

export type TomlValue = string | number | boolean | string[];
export interface TomlTable {
  [key: string]: TomlValue | TomlTable;
}

export class TomlError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
    this.name = 'TomlError';
  }
}

const BARE_KEY = /^[A-Za-z0-9_-]+/;

export function parseToml(text: string): TomlTable {
  const root: TomlTable = {};
  let current = root;
  const defined = new Set<string>();
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((raw, index) => {
    const n = index + 1;
    const cursor = new Cursor(raw, n);
    cursor.skipSpace();
    if (cursor.atEnd() || cursor.peek() === '#') return;
    if (cursor.peek() === '[') {
      cursor.next();
      if (cursor.peek() === '[') throw new TomlError(n, 'arrays of tables ([[...]]) are not supported');
      const path = cursor.keyPath();
      cursor.expect(']');
      cursor.endOfLine();
      const id = JSON.stringify(path);
      if (defined.has(id)) throw new TomlError(n, `table [${path.join('.')}] is defined twice`);
      defined.add(id);
      current = descend(root, path, n);
      return;
    }
    const path = cursor.keyPath();
    cursor.expect('=');
    cursor.skipSpace();
    const value = cursor.value();
    cursor.endOfLine();
    const last = path[path.length - 1] as string;
    const table = descend(current, path.slice(0, -1), n);
    if (Object.prototype.hasOwnProperty.call(table, last)) throw new TomlError(n, `key '${path.join('.')}' is defined twice`);
    table[last] = value;
  });
  return root;
}

function descend(from: TomlTable, path: readonly string[], line: number): TomlTable {
  let t = from;
  for (const key of path) {
    const next = t[key];
    if (next === undefined) {
      const created: TomlTable = {};
      t[key] = created;
      t = created;
    } else if (typeof next === 'object' && !Array.isArray(next)) {
      t = next;
    } else {
      throw new TomlError(line, `'${key}' is a value, not a table`);
    }
  }
  return t;
}

class Cursor {
  private pos = 0;
  constructor(
    private readonly text: string,
    private readonly line: number,
  ) {}

  atEnd(): boolean {
    return this.pos >= this.text.length;
  }
  peek(): string {
    return this.text[this.pos] ?? '';
  }
  next(): string {
    return this.text[this.pos++] ?? '';
  }
  skipSpace(): void {
    while (this.peek() === ' ' || this.peek() === '\t') this.pos++;
  }
  fail(message: string): never {
    throw new TomlError(this.line, message);
  }
  expect(ch: string): void {
    this.skipSpace();
    if (this.next() !== ch) this.fail(`expected '${ch}'`);
  }
  endOfLine(): void {
    this.skipSpace();
    if (!this.atEnd() && this.peek() !== '#') this.fail(`unexpected text '${this.text.slice(this.pos)}'`);
  }

  keyPath(): string[] {
    const path: string[] = [];
    for (;;) {
      this.skipSpace();
      const ch = this.peek();
      if (ch === '"') path.push(this.basicString());
      else if (ch === "'") path.push(this.literalString());
      else {
        const m = BARE_KEY.exec(this.text.slice(this.pos));
        if (!m) this.fail('expected a key');
        path.push(m[0]);
        this.pos += m[0].length;
      }
      this.skipSpace();
      if (this.peek() !== '.') return path;
      this.pos++;
    }
  }

  value(): TomlValue {
    const ch = this.peek();
    if (ch === '"') {
      if (this.text.startsWith('"""', this.pos)) this.fail('multi-line strings are not supported');
      return this.basicString();
    }
    if (ch === "'") {
      if (this.text.startsWith("'''", this.pos)) this.fail('multi-line strings are not supported');
      return this.literalString();
    }
    const rest = this.text.slice(this.pos);
    const word = /^[^\s#]+/.exec(rest)?.[0] ?? '';
    if (word === 'true' || word === 'false') {
      this.pos += word.length;
      return word === 'true';
    }
    if (/^[+-]?(0|[1-9](_?[0-9])*)$/.test(word)) {
      this.pos += word.length;
      return Number(word.replace(/_/g, ''));
    }
    if (ch === '[') return this.stringArray();
    if (ch === '{') this.fail('inline tables are not supported');
    return this.fail(word ? `unsupported value '${word}' (strings need quotes)` : 'missing value');
  }

  /** ["a", 'b'] on one line (a trailing comma is allowed, as in TOML) */
  private stringArray(): string[] {
    this.pos++;
    const out: string[] = [];
    for (;;) {
      this.skipSpace();
      const ch = this.peek();
      if (ch === ']') {
        this.pos++;
        return out;
      }
      if (ch === '"') out.push(this.basicString());
      else if (ch === "'") out.push(this.literalString());
      else this.fail(this.atEnd() ? 'unterminated array (arrays must fit on one line)' : 'only arrays of quoted strings are supported');
      this.skipSpace();
      if (this.peek() === ',') this.pos++;
      else if (this.peek() !== ']') this.fail("expected ',' or ']' in the array");
    }
  }

  private basicString(): string {
    this.pos++; // opening quote
    let out = '';
    for (;;) {
      if (this.atEnd()) this.fail('unterminated string');
      const ch = this.next();
      if (ch === '"') return out;
      if (ch !== '\\') {
        out += ch;
        continue;
      }
      const esc = this.next();
      const simple: Record<string, string> = { '"': '"', '\\': '\\', n: '\n', t: '\t', r: '\r', b: '\b', f: '\f' };
      if (esc in simple) out += simple[esc];
      else if (esc === 'u' || esc === 'U') {
        const len = esc === 'u' ? 4 : 8;
        const hex = this.text.slice(this.pos, this.pos + len);
        if (!new RegExp(`^[0-9A-Fa-f]{${len}}$`).test(hex)) this.fail(`bad \\${esc} escape`);
        this.pos += len;
        out += String.fromCodePoint(parseInt(hex, 16));
      } else this.fail(`unknown escape '\\${esc}'`);
    }
  }

  private literalString(): string {
    this.pos++;
    const end = this.text.indexOf("'", this.pos);
    if (end === -1) this.fail('unterminated string');
    const out = this.text.slice(this.pos, end);
    this.pos = end + 1;
    return out;
  }
}
