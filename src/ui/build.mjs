// Builds the management web UI (src/ui) into dist/ui with esbuild: one minified JS bundle (Preact +
// uPlot + the pages), one CSS file and index.html. Everything is served by warren-server itself.
// Usage: node src/ui/build.mjs   (its types are checked by npm run typecheck)
import { build } from 'esbuild';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const out = join(root, 'dist', 'ui');
mkdirSync(out, { recursive: true });

await build({
  entryPoints: { app: join(root, 'src/ui/main.tsx') },
  outdir: out,
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['chrome100', 'firefox100', 'safari15'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  legalComments: 'none',
  logLevel: 'warning',
});
const html = readFileSync(join(root, 'src/ui/index.html'), 'utf8');
writeFileSync(join(out, 'index.html'), html);

const sizes = ['app.js', 'app.css'].map((f) => {
  const data = readFileSync(join(out, f));
  return `${f} ${(statSync(join(out, f)).size / 1024).toFixed(1)} KiB (${(gzipSync(data).length / 1024).toFixed(1)} KiB gzipped)`;
});
console.log(`ui: dist/ui/${sizes.join(', ')}`);
