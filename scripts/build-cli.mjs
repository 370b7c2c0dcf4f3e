// `npm run build:cli`: bundles the command line (src/cli/main.ts and what its commands import) into
// dist/cli-bundle/ with esbuild, so a command starts in a few hundred milliseconds: without the bundle, Node
// reads, resolves and compiles about 1,150 module files (typebox alone is 700) before `org list` can
// answer. bin/coupond.js runs the bundle. Runs after `tsc` (npm run build:server), because the server is
// not bundled: `coupond serve` imports tsc's dist/cli/commands/serve.js, and with it the HTTP layer, as
// separate files (the console route and Swagger UI find their files beside their modules).
//
// Usage: node scripts/build-cli.mjs [DIST]   (DIST defaults to dist; the CLI test builds into a scratch one)
import fs from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DIST = path.resolve(process.argv[2] ?? path.join(ROOT, 'dist'));
const OUT = path.join(DIST, 'cli-bundle');

/**
 * Sources imported as tsc compiled them (dist/…), not bundled: they find files relative to their own
 * location (import.meta.url), or are the server, which is never bundled.
 */
const COMPILED = ['src/cli/commands/serve.ts', 'src/storage/checkpointer.ts'];
/** Packages left in node_modules: native code (better-sqlite3) and optional native code (pg). */
const EXTERNAL = ['better-sqlite3', 'pg'];

const compiled = {
  name: 'compiled',
  setup(build) {
    build.onResolve({ filter: /^\.\.?\// }, (args) => {
      const source = path
        .relative(ROOT, path.resolve(args.resolveDir, args.path))
        .split(path.sep)
        .join('/')
        .replace(/\.js$/, '.ts');
      if (!COMPILED.includes(source)) return undefined;
      const target = path.join(DIST, source.replace(/^src\//, '').replace(/\.ts$/, '.js'));
      const relative = path.relative(OUT, target).split(path.sep).join('/');
      return { path: relative.startsWith('.') ? relative : `./${relative}`, external: true };
    });
  },
};

fs.rmSync(OUT, { recursive: true, force: true });
const result = await esbuild.build({
  absWorkingDir: ROOT,
  entryPoints: ['src/cli/main.ts'],
  outdir: OUT,
  bundle: true,
  splitting: true, // each command's code is a chunk loaded when it runs: `coupond help` loads only the table
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: EXTERNAL,
  plugins: [compiled],
  // CommonJS packages in the bundle (pino, prom-client) call require() for Node's own modules.
  banner: {
    js: "import { createRequire as __coupondRequire } from 'node:module'; const require = __coupondRequire(import.meta.url);",
  },
  sourcemap: true,
  sourcesContent: false, // the maps point at src/ and node_modules/; stack traces name the TypeScript lines
  metafile: true,
  logLevel: 'warning',
});

// What the bundle must never hold: the HTTP layer, or a source that finds files beside itself.
const problems = Object.keys(result.metafile.inputs)
  .filter((input) => input.startsWith('src/'))
  .flatMap((input) => {
    if (input === 'src/app.ts' || input.startsWith('src/http/'))
      return [`${input}: the server is not bundled`];
    if (/import\.meta\.(url|dirname|filename)/.test(fs.readFileSync(path.join(ROOT, input), 'utf8')))
      return [`${input} finds files relative to itself: add it to COMPILED in scripts/build-cli.mjs`];
    return [];
  });
if (problems.length > 0) {
  process.stderr.write(`build-cli: the bundle would break:\n  ${problems.join('\n  ')}\n`);
  fs.rmSync(OUT, { recursive: true, force: true }); // bin/coupond.js then says dist/ is not built
  process.exit(1);
}
