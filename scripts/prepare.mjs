// npm's `prepare` hook (npm ci, npm install): builds the server (tsc into dist/), the command line (an
// esbuild bundle in dist/cli-bundle/) and the console (Vite into console/dist), unless the install left out
// the build tools (--omit=dev), in which case it says how to build instead. A production image builds with
// the dev dependencies, then prunes them (`npm ci && npm prune --omit=dev`).
import { spawnSync } from 'node:child_process';
import console from 'node:console';
import { createRequire } from 'node:module';
import process from 'node:process';

const require = createRequire(import.meta.url);
const missing = ['typescript/package.json', 'esbuild/package.json', 'vite/package.json'].filter((m) => {
  try {
    require.resolve(m);
    return false;
  } catch {
    return true;
  }
});
if (missing.length > 0) {
  console.log(
    'coupond: the build tools are not installed (a production install?): nothing is built; ' +
      'install with dev dependencies and run `npm run build`.',
  );
  process.exit(0);
}
const result = spawnSync('npm', ['run', 'build'], { stdio: 'inherit' });
process.exit(result.status ?? 1);
