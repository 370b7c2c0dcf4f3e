// npm's `prepare` hook (npm ci, npm install): builds the console, unless the install left out Vite (--omit=dev),
// in which case the server answers /console with a page saying how to build it.
import { spawnSync } from 'node:child_process';
import console from 'node:console';
import { createRequire } from 'node:module';
import process from 'node:process';

try {
  createRequire(import.meta.url).resolve('vite/package.json');
} catch {
  console.log(
    'coupond: vite is not installed (a production install?): the console is not built; `npm run build` builds it.',
  );
  process.exit(0);
}
const result = spawnSync('npm', ['run', 'build'], { stdio: 'inherit' });
process.exit(result.status ?? 1);
