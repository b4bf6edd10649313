// The import rules of docs/architecture.md, checked on the source: every import (static, dynamic, type-only,
// re-export) of src/ (the web UI's .tsx included) and commands/ is read, and the test fails on any import cycle or any import that goes
// the wrong way between layers. There are no exceptions.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../helpers/warren.js';

const ROOTS = ['src', 'commands'];

function sourceFiles(dir: string): string[] {
  return readdirSync(join(projectRoot, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(rel);
    return /\.(ts|mts|tsx)$/.test(e.name) && !e.name.endsWith('.d.ts') ? [rel] : [];
  });
}

const IMPORT = /(?:^|[\s;])(?:import|export)\s+(?:type\s+)?(?:[\w*{}\s,$]+?\s+from\s+)?['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g;

/** The project file an import names: `./x.js` is x.ts (Node ESM); the UI's bundler also takes `./x` for x.ts or x.tsx. */
function target(spec: string, from: string, known: Set<string>): string | undefined {
  const rel = relative(projectRoot, resolve(projectRoot, dirname(from), spec));
  const base = rel.replace(/\.js$/, '');
  return [rel, `${base}.ts`, `${base}.tsx`].find((f) => known.has(f));
}

/** A file's text without its comments. */
function code(file: string): string {
  return readFileSync(join(projectRoot, file), 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, '');
}

/** file -> the project files it imports (paths relative to the project root) */
function importGraph(): Map<string, string[]> {
  const files = ROOTS.flatMap(sourceFiles);
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const text = code(file);
    const targets = new Set<string>();
    for (const m of text.matchAll(IMPORT)) {
      const to = target((m[1] ?? m[2])!, file, known);
      if (to !== undefined) targets.add(to);
    }
    graph.set(file, [...targets].sort());
  }
  return graph;
}

/** The layer of a file: its top folder under src/ (common, amqp, broker, server, api, cli, ui), or commands. */
function layer(file: string): string {
  const parts = file.split('/');
  return parts[0] === 'commands' ? 'commands' : (parts[1] ?? '');
}

/**
 * Who may import whom: amqp <- broker <- server/api; server may use api (it serves it); cli/commands talk to a
 * daemon over a socket. common (node built-ins only: the password hash, the package version) is for everyone.
 */
const MAY_IMPORT: Record<string, readonly string[]> = {
  common: ['common'],
  amqp: ['common', 'amqp'],
  broker: ['common', 'amqp', 'broker'],
  api: ['common', 'amqp', 'broker', 'api'],
  server: ['common', 'amqp', 'broker', 'api', 'server', 'ui'],
  cli: ['common', 'amqp', 'cli', 'commands'],
  commands: ['common', 'amqp', 'cli', 'commands'],
  ui: ['ui', 'amqp'],
};

/** The web UI runs in a browser: of another layer it may bundle only a self-contained file (no import at all: pure data, no Node). */
const selfContained = (file: string): boolean => !/\bimport\b|\brequire\s*\(/.test(code(file));

/** The imports that go the wrong way between layers, as "from -> to". */
function wrongWay(graph: Map<string, string[]>): string[] {
  const wrong: string[] = [];
  for (const [from, tos] of graph) {
    for (const to of tos) {
      const allowed = MAY_IMPORT[layer(from)];
      const uiBundlesNode = layer(from) === 'ui' && layer(to) !== 'ui' && !selfContained(to);
      if (!allowed?.includes(layer(to)) || uiBundlesNode) wrong.push(`${from} -> ${to}`);
    }
  }
  return wrong;
}

/** Strongly connected components with more than one file (Tarjan), i.e. the import cycles. */
function cycles(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const stack: string[] = [];
  const onStack = new Set<string>();
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, idx.get(w)!));
      }
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) out.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return out;
}

describe('layers and import cycles (docs/architecture.md)', () => {
  const graph = importGraph();

  it('reads the imports of every source file', () => {
    expect(graph.size).toBeGreaterThan(100);
    expect(graph.get('src/cli/main.ts')).toContain('src/cli/exit-codes.ts');
    expect(graph.get('src/cli/registry.ts')).toContain('commands/help.ts'); // dynamic import
    expect(graph.get('src/ui/main.tsx')).toContain('src/ui/components.tsx'); // the UI's extensionless imports
  });

  it('imports go one way: amqp <- broker <- server/api; cli and commands never import broker, server or api', () => {
    expect(wrongWay(graph)).toEqual([]);
  });

  it('no import cycles between files', () => {
    expect(cycles(graph)).toEqual([]);
  });

  it('would report a wrong-way import and a cycle planted in the graph', () => {
    const planted = new Map(graph);
    const add = (from: string, to: string): void => void planted.set(from, [...(planted.get(from) ?? []), to]);
    add('src/api/read-model.ts', 'src/server/connection.ts'); // api -> server, and a cycle: connection implements the read model
    add('src/cli/tls-files.ts', 'src/cli/admin-client.ts'); // a type-only cycle inside one layer counts too
    add('src/ui/components.tsx', 'src/amqp/field-table.ts'); // the browser bundle would take in Node code
    expect(wrongWay(planted)).toEqual(['src/api/read-model.ts -> src/server/connection.ts', 'src/ui/components.tsx -> src/amqp/field-table.ts']);
    const found = cycles(planted);
    expect(found.some((scc) => scc.includes('src/api/read-model.ts') && scc.includes('src/server/connection.ts'))).toBe(true);
    expect(found).toContainEqual(['src/cli/admin-client.ts', 'src/cli/tls-files.ts']);
  });
});
