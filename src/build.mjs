// Builds dist/ from the TypeScript sources: each module of src, commands and examples transpiled on
// its own by esbuild (not bundled: warrenctl loads most of its modules only when a command needs
// them), with source maps; then the daemon bundled into one file, which bin/warren-server loads (it
// imports every module it has at start: one file saves resolving and reading ~150 of them, about a
// quarter of its start-up CPU); then the web UI (src/ui/build.mjs).
// Types are checked by `npm run typecheck` (tsc, part of `npm run lint` and of CI), not here: tsc
// took 12 s of every build (and of every `npm test`), esbuild takes well under one.
// Usage: node src/build.mjs
import { build } from 'esbuild';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The .ts modules under `dir` (not declarations; the UI's .tsx has its own build). */
function modules(dir) {
  const found = [];
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...modules(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) found.push(path);
  }
  return found;
}

const entryPoints = ['src', 'commands', 'examples'].flatMap(modules).map((p) => join(root, p));
const started = Date.now();
/** what both builds share: ES modules for Node 20, with source maps */
const common = {
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  tsconfig: join(root, 'tsconfig.json'),
  logLevel: 'warning',
};
await build({ ...common, entryPoints, outdir: join(root, 'dist'), outbase: root });
// The bundle sits beside dist/src/server/main.js, so what the daemon finds relative to its own module (the web UI's
// files, node_modules) is where it was; packages stay outside it (a native addon among them).
await build({
  ...common,
  entryPoints: [join(root, 'src/server/main.ts')],
  outfile: join(root, 'dist/src/server/main.bundle.js'),
  bundle: true,
  packages: 'external',
});
console.log(`build: ${entryPoints.length} modules into dist, and the daemon bundled, in ${Date.now() - started} ms`);
await import('./ui/build.mjs');
