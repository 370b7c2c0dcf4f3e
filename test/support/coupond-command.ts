// How tests run the `coupond` command: the TypeScript sources through tsx, never the compiled dist/, so a
// test cannot pass or fail on a stale build. (bin/coupond.js runs dist/; test/cli/build.test.ts builds a
// fresh copy of it and checks that it works.)
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const MAIN = path.join(ROOT, 'src/cli/main.ts');

/** The node arguments that run `coupond ARGS…` from the sources: spawn(process.execPath, coupondArgs(…)). */
export function coupondArgs(...args: string[]): string[] {
  return ['--import', 'tsx', MAIN, ...args];
}
