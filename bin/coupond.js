#!/usr/bin/env node
// The `coupond` command: runs the compiled JavaScript in dist/, which `npm ci` builds (the `prepare`
// script runs `npm run build`): the command line bundled into dist/cli-bundle/ (scripts/build-cli.mjs), which
// loads the server's compiled files from dist/ for `coupond serve`. Tests and the benchmark run the
// TypeScript sources instead (`node --import tsx src/cli/main.ts`), so they never run a stale build.
import fs from 'node:fs';
import process from 'node:process';
import { URL } from 'node:url';

const main = new URL('../dist/cli-bundle/main.js', import.meta.url);
if (!fs.existsSync(main)) {
  process.stderr.write('coupond: dist/ is not built: run `npm run build` (npm ci runs it).\n');
  process.exit(1);
}
process.setSourceMapsEnabled(true); // stack traces name the TypeScript lines
await import(main.href);
