// RabbitMQ matches permission, topic-permission and policy patterns with Erlang's `re` (PCRE 8.x,
// no options: byte mode, LF newlines, C-locale character classes). JavaScript's RegExp differs in
// syntax and meaning, so a pattern is translated here into an equivalent JavaScript expression over
// the *bytes* of the UTF-8 subject (each byte one latin1 character), exactly as PCRE sees it.
// A construct that has no faithful translation is refused (PatternError), never matched differently.

export class PatternError extends Error {
  constructor(
    message: string,
    readonly offset: number,
    /** true when PCRE accepts the pattern but warren cannot match it the same way */
    readonly untranslatable = false,
  ) {
    super(message);
  }
}

/** A compiled pattern: `test` takes a JavaScript string and matches its UTF-8 bytes. */
export interface CompiledPattern {
  readonly source: string;
  test(subject: string): boolean;
}

const cache = new Map<string, CompiledPattern | PatternError>();
const CACHE_LIMIT = 10_000;

/** Compiles (and caches) a PCRE pattern; throws PatternError when RabbitMQ or warren refuses it. */
export function compilePattern(pattern: string): CompiledPattern {
  let entry = cache.get(pattern);
  if (!entry) {
    try {
      entry = build(pattern);
    } catch (e) {
      if (!(e instanceof PatternError)) throw e;
      entry = e;
    }
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(pattern, entry);
  }
  if (entry instanceof PatternError) throw entry;
  return entry;
}

/** The refusal for `pattern` (PCRE's wording), or null when it compiles. */
export function patternError(pattern: string): PatternError | null {
  try {
    compilePattern(pattern);
    return null;
  } catch (e) {
    if (e instanceof PatternError) return e;
    throw e;
  }
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

const toBytes = (s: string): string => (isAscii(s) ? s : Buffer.from(s, 'utf8').toString('latin1'));

function build(pattern: string): CompiledPattern {
  const js = new Translator(toBytes(pattern)).translate();
  let re: RegExp;
  try {
    re = new RegExp(js);
  } catch {
    throw new PatternError('warren cannot translate this pattern to match as PCRE does', 0, true);
  }
  return { source: pattern, test: (subject) => re.test(toBytes(subject)) };
}

// ---- byte sets -------------------------------------------------------------------------------

type ByteSet = boolean[];
const emptySet = (): ByteSet => new Array<boolean>(256).fill(false);
function addRange(set: ByteSet, lo: number, hi: number): void {
  for (let c = lo; c <= hi; c++) set[c] = true;
}
function setOf(ranges: [number, number][]): ByteSet {
  const s = emptySet();
  for (const [lo, hi] of ranges) addRange(s, lo, hi);
  return s;
}
const ch = (c: string): number => c.charCodeAt(0);
const DIGIT: [number, number][] = [[ch('0'), ch('9')]];
const UPPER: [number, number][] = [[ch('A'), ch('Z')]];
const LOWER: [number, number][] = [[ch('a'), ch('z')]];
const WORD: [number, number][] = [...DIGIT, ...UPPER, ...LOWER, [ch('_'), ch('_')]];
/** PCRE 8.34+: \s includes VT. */
const SPACE: [number, number][] = [
  [9, 13],
  [32, 32],
];
const HSPACE: [number, number][] = [
  [9, 9],
  [32, 32],
  [0xa0, 0xa0],
];
const VSPACE: [number, number][] = [
  [10, 13],
  [0x85, 0x85],
];
const POSIX: Record<string, [number, number][]> = {
  alnum: [...DIGIT, ...UPPER, ...LOWER],
  alpha: [...UPPER, ...LOWER],
  ascii: [[0, 127]],
  blank: [
    [9, 9],
    [32, 32],
  ],
  cntrl: [
    [0, 31],
    [127, 127],
  ],
  digit: DIGIT,
  graph: [[33, 126]],
  lower: LOWER,
  print: [[32, 126]],
  punct: [
    [33, 47],
    [58, 64],
    [91, 96],
    [123, 126],
  ],
  space: SPACE,
  upper: UPPER,
  word: WORD,
  xdigit: [...DIGIT, [ch('A'), ch('F')], [ch('a'), ch('f')]],
};
const CLASS_ESCAPES: Record<string, [number, number][]> = { d: DIGIT, w: WORD, s: SPACE, h: HSPACE, v: VSPACE };

function negate(set: ByteSet): ByteSet {
  return set.map((b) => !b);
}
function foldCase(set: ByteSet): void {
  for (let c = ch('A'); c <= ch('Z'); c++) {
    if (set[c] || set[c + 32]) set[c] = set[c + 32] = true;
  }
}
const hex = (c: number): string => `\\x${c.toString(16).padStart(2, '0')}`;
function setToJs(set: ByteSet): string {
  const parts: string[] = [];
  for (let c = 0; c < 256; c++) {
    if (!set[c]) continue;
    let end = c;
    while (end + 1 < 256 && set[end + 1]) end++;
    parts.push(end === c ? hex(c) : `${hex(c)}-${hex(end)}`);
    c = end;
  }
  return parts.length === 0 ? '(?!)' : `[${parts.join('')}]`;
}

// ---- the translator --------------------------------------------------------------------------

interface Flags {
  i: boolean;
  m: boolean;
  s: boolean;
  x: boolean;
  U: boolean;
  X: boolean;
}

/** One translated item: JS source, its fixed length in bytes (null: variable), and what it is. */
interface Item {
  js: string;
  len: number | null;
  kind: 'atom' | 'anchor' | 'lookaround' | 'quantified';
}

const UNSUPPORTED_ESCAPE = 'PCRE does not support \\L, \\l, \\N{name}, \\U, or \\u';

class Translator {
  private i = 0;
  private groups = 0;
  private atomics = 0;
  private readonly names = new Set<string>();

  constructor(private readonly p: string) {}

  private fail(message: string, offset = this.i): never {
    throw new PatternError(message, offset);
  }
  private refuse(what: string, offset = this.i): never {
    throw new PatternError(`warren cannot match ${what} as RabbitMQ does, so it refuses it`, offset, true);
  }

  translate(): string {
    const { js } = this.alternation({ i: false, m: false, s: false, x: false, U: false, X: false }, false);
    if (this.i < this.p.length) this.fail('unmatched parentheses');
    return js;
  }

  /** alternatives up to ')' or the end; `len` is the common fixed length, or null. */
  private alternation(start: Flags, inGroup: boolean, lookbehind = false): { js: string; len: number | null } {
    const flags = { ...start };
    const alts: { js: string; len: number | null }[] = [];
    for (;;) {
      alts.push(this.sequence(flags, lookbehind));
      if (this.p[this.i] === '|') {
        this.i++;
        continue;
      }
      if (this.p[this.i] === ')' && !inGroup) this.fail('unmatched parentheses');
      break;
    }
    const first = alts[0]?.len ?? null;
    const len = alts.every((a) => a.len === first) ? first : null;
    if (lookbehind && alts.some((a) => a.len === null)) this.fail('lookbehind assertion is not fixed length');
    return { js: alts.map((a) => a.js).join('|'), len };
  }

  private sequence(flags: Flags, lookbehind: boolean): { js: string; len: number | null } {
    const items: Item[] = [];
    while (this.i < this.p.length) {
      const c = this.p[this.i]!;
      if (c === '|' || c === ')') break;
      if (flags.x && /\s/.test(c)) {
        this.i++;
        continue;
      }
      if (flags.x && c === '#') {
        while (this.i < this.p.length && this.p[this.i] !== '\n') this.i++;
        continue;
      }
      if (this.quantifierAhead()) {
        const last = items[items.length - 1];
        if (!last || last.kind === 'anchor' || last.kind === 'quantified') this.fail('nothing to repeat', this.i);
        if (last.kind === 'lookaround') this.refuse('a repeated assertion');
        items[items.length - 1] = this.quantify(last, flags);
        continue;
      }
      const item = this.atom(flags, lookbehind);
      if (Array.isArray(item)) items.push(...item);
      else if (item) items.push(item);
    }
    let len: number | null = 0;
    for (const it of items) len = len === null || it.len === null ? null : len + it.len;
    return { js: items.map((it) => it.js).join(''), len };
  }

  private quantifierAhead(): boolean {
    const c = this.p[this.i];
    if (c === '*' || c === '+' || c === '?') return true;
    return c === '{' && /^\{\d+(,\d*)?\}/.test(this.p.slice(this.i));
  }

  private quantify(item: Item, flags: Flags): Item {
    const at = this.i;
    let min: number;
    let max: number | null;
    const c = this.p[this.i]!;
    if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(this.p.slice(this.i))!;
      this.i += m[0].length;
      min = Number(m[1]);
      max = m[2] === undefined ? min : m[3] === '' ? null : Number(m[3]);
      if (min > 65535 || (max !== null && max > 65535)) this.fail('number too big in {} quantifier', this.i - 1);
      if (max !== null && max < min) this.fail('numbers out of order in {} quantifier', this.i - 1);
    } else {
      this.i++;
      [min, max] = c === '*' ? [0, null] : c === '+' ? [1, null] : [0, 1];
    }
    const q = c === '{' ? this.p.slice(at, this.i) : c;
    let lazy = flags.U;
    let possessive = false;
    if (this.p[this.i] === '?') {
      lazy = !lazy;
      this.i++;
    } else if (this.p[this.i] === '+') {
      possessive = true;
      this.i++;
    }
    const base = `(?:${item.js})${q}`;
    const len = item.len !== null && max === min ? item.len * min : null;
    if (possessive) return { js: this.atomic(base), len, kind: 'quantified' };
    return { js: lazy ? `${base}?` : base, len, kind: 'quantified' };
  }

  /** (?>X) as a lookahead that captures X, then a backreference to what it took: no backtracking into X. */
  private atomic(js: string): string {
    const name = `a${++this.atomics}`;
    return `(?=(?<${name}>${js}))\\k<${name}>`;
  }

  private literal(code: number, flags: Flags): Item {
    const set = emptySet();
    set[code] = true;
    if (flags.i) foldCase(set);
    return { js: set.filter(Boolean).length === 1 ? hex(code) : setToJs(set), len: 1, kind: 'atom' };
  }

  private atom(flags: Flags, lookbehind: boolean): Item | Item[] | null {
    const c = this.p[this.i]!;
    const at = this.i;
    this.i++;
    switch (c) {
      case '.':
        return { js: flags.s ? '[\\x00-\\xff]' : '[^\\n]', len: 1, kind: 'atom' };
      case '^':
        return { js: flags.m ? '(?:(?<![\\s\\S])|(?<=\\n)(?=[\\s\\S]))' : '(?<![\\s\\S])', len: 0, kind: 'anchor' };
      case '$':
        return { js: flags.m ? '(?=\\n|(?![\\s\\S]))' : '(?=\\n?(?![\\s\\S]))', len: 0, kind: 'anchor' };
      case '[':
        if (/^[:.=]/.test(this.p.slice(this.i)) && this.posixEnd(this.i) >= 0) {
          this.fail('POSIX named classes are supported only within a class', at);
        }
        return { js: setToJs(this.charClass(flags)), len: 1, kind: 'atom' };
      case '(':
        return this.group(flags, at, lookbehind);
      case '\\':
        return this.escape(flags, at);
      default:
        return this.literal(ch(c), flags);
    }
  }

  private posixEnd(from: number): number {
    const m = /^([:.=])\^?[A-Za-z]*\1\]/.exec(this.p.slice(from));
    return m ? from + m[0].length : -1;
  }

  private charClass(flags: Flags): ByteSet {
    let negated = false;
    if (this.p[this.i] === '^') {
      negated = true;
      this.i++;
    }
    const set = emptySet();
    let first = true;
    let prev: number | null = null; // last single byte, for ranges
    for (;;) {
      if (this.i >= this.p.length) this.fail('missing terminating ] for character class', this.p.length);
      const c = this.p[this.i]!;
      if (c === ']' && !first) {
        this.i++;
        break;
      }
      first = false;
      if (c === '[' && /^[:.=]/.test(this.p.slice(this.i + 1)) && this.posixEnd(this.i + 1) >= 0) {
        const m = /^\[([:.=])(\^?)([A-Za-z]*)\1\]/.exec(this.p.slice(this.i))!;
        if (m[1] !== ':') this.fail('POSIX collating elements are not supported', this.i);
        const ranges = POSIX[m[3]!];
        if (!ranges) this.fail('unknown POSIX class name', this.i);
        const s = setOf(ranges);
        const use = m[2] ? negate(s) : s;
        for (let b = 0; b < 256; b++) if (use[b]) set[b] = true;
        this.i += m[0].length;
        prev = null;
        continue;
      }
      // a range a-z (a '-' before ']' or after a class escape is literal)
      if (c === '-' && prev !== null && this.p[this.i + 1] !== ']' && this.i + 1 < this.p.length) {
        const save = this.i;
        this.i++;
        const hi = this.classByte(flags);
        if (hi === 'set') {
          this.i = save + 1; // '-' is literal, the escape is read next time round
          set[ch('-')] = true;
          prev = null;
          continue;
        }
        if (hi < prev) this.fail('range out of order in character class', this.i - 1);
        addRange(set, prev, hi);
        prev = null;
        continue;
      }
      const at = this.i;
      const b = this.classByte(flags, set);
      if (b === 'set') {
        prev = null;
      } else if (b === -1) {
        prev = null; // \E or an empty \Q\E
      } else {
        set[b] = true;
        prev = b;
      }
      if (this.i === at) this.fail('missing terminating ] for character class');
    }
    if (flags.i) foldCase(set);
    return negated ? negate(set) : set;
  }

  /** One class member: a byte, or 'set' when a class escape was added to `into`, or -1 for nothing. */
  private classByte(flags: Flags, into?: ByteSet): number | 'set' {
    const c = this.p[this.i]!;
    if (c !== '\\') {
      this.i++;
      return ch(c);
    }
    const at = this.i;
    this.i++;
    if (this.i >= this.p.length) this.fail('\\ at end of pattern', at);
    const e = this.p[this.i]!;
    if (e === 'Q') {
      // \Q...\E inside a class: every byte literal
      this.i++;
      let last = -1;
      while (this.i < this.p.length && !this.p.startsWith('\\E', this.i)) {
        last = ch(this.p[this.i]!);
        if (into) into[last] = true;
        this.i++;
      }
      if (this.p.startsWith('\\E', this.i)) this.i += 2;
      return into ? -1 : last;
    }
    if (e === 'E') {
      this.i++;
      return -1;
    }
    const lower = e.toLowerCase();
    if (CLASS_ESCAPES[lower]) {
      this.i++;
      if (into) {
        const s = setOf(CLASS_ESCAPES[lower]!);
        const use = e === lower ? s : negate(s);
        for (let b = 0; b < 256; b++) if (use[b]) into[b] = true;
      }
      return 'set';
    }
    if (e === 'b') {
      this.i++;
      return 8;
    }
    if (e === 'p' || e === 'P' || e === 'X' || e === 'N') this.refuse(`\\${e}`, at);
    return this.charEscape(flags, at);
  }

  /** Escapes that stand for one byte (after the backslash); letters PCRE does not know are literal. */
  private charEscape(flags: Flags, at: number): number {
    const e = this.p[this.i]!;
    const simple: Record<string, number> = { a: 7, e: 0x1b, f: 12, n: 10, r: 13, t: 9 };
    if (simple[e] !== undefined) {
      this.i++;
      return simple[e]!;
    }
    if ('LlUu'.includes(e) || (e === 'N' && this.p[this.i + 1] === '{')) this.fail(UNSUPPORTED_ESCAPE, this.i);
    if (e === 'x') {
      this.i++;
      if (this.p[this.i] === '{') {
        const m = /^\{([0-9A-Fa-f]+)\}/.exec(this.p.slice(this.i));
        if (m) {
          this.i += m[0].length;
          const v = parseInt(m[1]!, 16);
          if (v > 0xff) this.fail('character value in \\x{} or \\o{} is too large', this.i - 1);
          return v;
        }
        return 0; // PCRE: \x followed by a non-hex '{' is \x00 then '{'
      }
      const m = /^[0-9A-Fa-f]{0,2}/.exec(this.p.slice(this.i))!;
      this.i += m[0].length;
      return m[0] === '' ? 0 : parseInt(m[0], 16);
    }
    if (e === 'o' && this.p[this.i + 1] === '{') {
      const m = /^o\{([0-7]+)\}/.exec(this.p.slice(this.i));
      if (!m) this.fail('digits missing in \\x{} or \\o{}', this.i);
      this.i += m[0].length;
      const v = parseInt(m[1]!, 8);
      if (v > 0xff) this.fail('character value in \\x{} or \\o{} is too large', this.i - 1);
      return v;
    }
    if (e === 'c') {
      this.i++;
      const x = this.p[this.i];
      if (x === undefined) this.fail('\\c at end of pattern', this.i);
      if (ch(x) > 127) this.fail('\\c must be followed by an ASCII character', this.i);
      this.i++;
      return ch(x.toUpperCase()) ^ 0x40;
    }
    if (/[0-7]/.test(e)) {
      const m = /^[0-7]{1,3}/.exec(this.p.slice(this.i))!;
      this.i += m[0].length;
      return parseInt(m[0], 8) & 0xff;
    }
    if (flags.X && /[A-Za-z0-9]/.test(e)) this.fail('unrecognized character follows \\', at);
    this.i++;
    return ch(e); // PCRE 8 without PCRE_EXTRA: an unknown escaped letter, digit 8/9 or symbol is itself
  }

  private escape(flags: Flags, at: number): Item | Item[] | null {
    if (this.i >= this.p.length) this.fail('\\ at end of pattern', at);
    const e = this.p[this.i]!;
    const lower = e.toLowerCase();
    if (CLASS_ESCAPES[lower]) {
      this.i++;
      const s = setOf(CLASS_ESCAPES[lower]!);
      return { js: setToJs(e === lower ? s : negate(s)), len: 1, kind: 'atom' };
    }
    const anchors: Record<string, string> = {
      b: '\\b',
      B: '\\B',
      A: '(?<![\\s\\S])',
      G: '(?<![\\s\\S])',
      z: '(?![\\s\\S])',
      Z: '(?=\\n?(?![\\s\\S]))',
    };
    if (anchors[e] !== undefined) {
      this.i++;
      return { js: anchors[e]!, len: 0, kind: 'anchor' };
    }
    if (e === 'Q') {
      this.i++;
      const items: string[] = [];
      while (this.i < this.p.length && !this.p.startsWith('\\E', this.i)) {
        items.push(this.literal(ch(this.p[this.i]!), flags).js);
        this.i++;
      }
      if (this.p.startsWith('\\E', this.i)) this.i += 2;
      // one item per byte: a quantifier after \Q..\E applies to its last byte, as in PCRE
      return items.map((js) => ({ js, len: 1, kind: 'atom' }));
    }
    if (e === 'E') {
      this.i++;
      return null;
    }
    if (e === 'C') {
      this.i++;
      return { js: '[\\x00-\\xff]', len: 1, kind: 'atom' };
    }
    if (e === 'N' && this.p[this.i + 1] !== '{') {
      this.i++;
      return { js: '[^\\n]', len: 1, kind: 'atom' };
    }
    if (e === 'R') {
      this.i++;
      return { js: this.atomic('\\r\\n|[\\n\\x0b\\f\\r\\x85]'), len: null, kind: 'atom' };
    }
    if (e === 'K') this.refuse('\\K', at);
    if (e === 'p' || e === 'P' || e === 'X') this.refuse(`\\${e}`, at);
    if (e === 'g' || e === 'k') this.refuse('a backreference', at);
    if (/[1-9]/.test(e)) {
      const m = /^\d+/.exec(this.p.slice(this.i))!;
      const n = Number(m[0]);
      if (n < 10 || n <= this.groups) {
        if (n < 8 || n <= this.groups) this.refuse('a backreference', at); // PCRE checks it exists at the end
      }
    }
    return this.literal(this.charEscape(flags, at), flags);
  }

  private group(flags: Flags, at: number, lookbehind: boolean): Item {
    const rest = this.p.slice(this.i);
    if (rest.startsWith('*')) this.refuse('a (*VERB)', at);
    if (!rest.startsWith('?')) {
      this.groups++;
      return this.finishGroup(flags, at, '(?:', lookbehind);
    }
    this.i++;
    const k = this.p[this.i];
    if (rest.startsWith('?#')) {
      const end = this.p.indexOf(')', this.i);
      if (end < 0) this.fail('missing ) after comment', this.p.length);
      this.i = end + 1;
      return { js: '', len: 0, kind: 'anchor' };
    }
    if (k === ':' || k === '|') {
      this.i++;
      return this.finishGroup(flags, at, '(?:', lookbehind);
    }
    if (k === '>') {
      this.i++;
      const inner = this.finishGroup(flags, at, '(?:', lookbehind);
      return { js: this.atomic(inner.js), len: inner.len, kind: 'atom' };
    }
    if (k === '=' || k === '!') {
      this.i++;
      const inner = this.finishGroup(flags, at, `(?${k}`, false);
      return { ...inner, len: 0, kind: 'lookaround' };
    }
    if (rest.startsWith('?<=') || rest.startsWith('?<!')) {
      this.i += 2;
      const inner = this.finishGroup(flags, at, `(?<${rest[2]}`, true);
      return { ...inner, len: 0, kind: 'lookaround' };
    }
    const named = /^\?(?:P?<|')([A-Za-z_][A-Za-z0-9_]*)([>'])/.exec(rest);
    if (named) {
      const name = named[1]!;
      if (name.length > 32) this.fail('subpattern name is too long (maximum 32 characters)', this.i);
      if (this.names.has(name)) this.fail('two named subpatterns have the same name', this.i);
      this.names.add(name);
      this.i += named[0].length - 1;
      this.groups++;
      return this.finishGroup(flags, at, '(?:', lookbehind);
    }
    if (/^\?(P=|P>|&|R\)|[+-]?\d|\(|C)/.test(rest)) this.refuse('a backreference, recursion, condition or callout', at);
    // option settings: (?imsxUXJ-imsx) or (?imsx-imsx:...)
    const opts = /^\?([imsxUXJ]*)(?:-([imsxUXJ]*))?([:)])/.exec(rest);
    if (!opts) this.fail('unrecognized character after (? or (?-', this.i);
    this.i += opts[0].length - 1;
    const set = (f: Flags): void => {
      for (const o of opts[1]!) if (o in f) f[o as keyof Flags] = true;
      for (const o of opts[2] ?? '') if (o in f) f[o as keyof Flags] = false;
    };
    if (opts[3] === ')') {
      set(flags); // applies to the rest of the enclosing group
      return { js: '', len: 0, kind: 'anchor' };
    }
    const inner = { ...flags };
    set(inner);
    const g = this.finishGroup(inner, at, '(?:', lookbehind);
    return g;
  }

  private finishGroup(flags: Flags, at: number, open: string, lookbehind: boolean): Item {
    const inner = this.alternation(flags, true, lookbehind);
    if (this.p[this.i] !== ')') this.fail('missing )', at);
    this.i++;
    return { js: `${open}${inner.js})`, len: inner.len, kind: 'atom' };
  }
}
