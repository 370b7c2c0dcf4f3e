// Every shell example of README.md, run in order against a fresh server as a reader would paste them into
// one shell (issue 20). Each block is a test: it runs in bash with `set -eo pipefail`, the variables and
// functions of the blocks before it, and a `curl` that fails on an HTTP status of 400 or more and on a
// 2xx answer listing errors, so an example that stops working fails the suite. The README's placeholders
// (the key and secret a first start prints, the address http://127.0.0.1:8080) become the test server's.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coupondArgs, ROOT } from '../support/coupond-command.js';
import { freePort, spawnServer, type ServerProcess } from '../support/spawn-server.js';
import { createTestDatabase, TEST_DATABASE_URL, type TestDatabase } from '../support/test-database.js';
import { shellBlocks, type ShellBlock } from './readme-blocks.js';

const README = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const BLOCKS = shellBlocks(README);
const PLACEHOLDERS = {
  base: 'http://127.0.0.1:8080',
  key: '1_xxxxxxxxxxxxxxxxxxxxxxxx',
  secret: 'yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy',
};
const REAL_CURL = spawnSync('bash', ['-c', 'command -v curl'], { encoding: 'utf8' }).stdout.trim();

/** curl as the README test runs it: see the file comment. Every call's status goes to $CURL_LOG. */
const CURL_WRAPPER = `#!/usr/bin/env bash
out=$(mktemp)
code=0
"$REAL_CURL" --fail-with-body --show-error --write-out '%{stderr}HTTP %{http_code} %{method} %{url_effective}\\n' "$@" >"$out" 2>>"$CURL_LOG" || code=$?
cat "$out"
if [ "$code" -eq 0 ] && grep -q '"errors":\\[{' "$out"; then
  echo "README test: a 2xx answer that lists errors" >>"$CURL_LOG"
  code=99
fi
rm -f "$out"
exit "$code"
`;

/** Runs before each block: the state the blocks before it left (variables in capitals, functions). */
const PRELUDE = `set -eo pipefail
cd "$WORK"
__before=" $(compgen -v | tr '\\n' ' ') "
if [ -f "$STATE" ]; then source "$STATE"; fi
`;
/** Runs after each block that succeeded: keeps its new variables and functions for the next ones. */
const SAVE_STATE = `
for __v in $(compgen -v | grep -E '^[A-Z][A-Z0-9_]*$'); do
  case "$__before" in *" $__v "*) continue ;; esac
  declare -p "$__v"
done >"$STATE.new"
declare -f >>"$STATE.new"
mv "$STATE.new" "$STATE"
`;

let db: TestDatabase;
let server: ServerProcess;
let work: string;
let key: string;
let secret: string;
let failedBefore: string | undefined;

function substitute(code: string): string {
  return code
    .replaceAll(PLACEHOLDERS.base, server.url)
    .replaceAll(PLACEHOLDERS.key, key)
    .replaceAll(PLACEHOLDERS.secret, secret);
}

function shellEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: [path.join(work, 'bin'), path.dirname(process.execPath), process.env.PATH ?? ''].join(':'),
    HOME: work,
    LANG: 'C.UTF-8',
    WORK: work,
    STATE: path.join(work, 'state.sh'),
    CURL_LOG: path.join(work, 'curl.log'),
    REAL_CURL,
    ...extra,
  };
}

/** Runs a script to its end; answers its exit status and output. */
function runScript(script: string, env: NodeJS.ProcessEnv, timeoutMs = 60_000) {
  const file = path.join(work, `block-${randomBytes(3).toString('hex')}.sh`);
  fs.writeFileSync(file, script);
  return new Promise<{ status: number | null; output: string }>((resolve) => {
    const child = spawn('bash', [file], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, output });
    });
  });
}

/** A variable the blocks so far have set. */
async function stateVariable(name: string): Promise<string> {
  const r = await runScript(`${PRELUDE}printf '%s' "$${name}"\n`, shellEnv());
  expect(r.status, r.output).toBe(0);
  return r.output;
}

async function runBlock(block: ShellBlock): Promise<void> {
  fs.writeFileSync(path.join(work, 'curl.log'), '');
  const r = await runScript(`${PRELUDE}${substitute(block.code)}\n${SAVE_STATE}`, shellEnv());
  const calls = fs.readFileSync(path.join(work, 'curl.log'), 'utf8');
  if (r.status !== 0) {
    throw new Error(
      `README.md:${block.line} (${block.heading}) exited ${r.status}\n--- output\n${r.output}\n--- curl\n${calls}`,
    );
  }
}

/** Polls the series' two upload status routes until every job is done; none may have failed as a whole. */
async function waitForUploads(variable: string): Promise<void> {
  const series = await stateVariable(variable);
  expect(series).toMatch(/^\d+$/);
  const auth = `Basic ${Buffer.from(`${key}:${secret}`).toString('base64')}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    const statuses: string[] = [];
    for (const [route, list, field] of [
      ['getUploadStatus', 'uploadJobStatuses', 'uploadStatus'],
      ['getUploadRedeemedCouponStatus', 'redeemUploadJobStatuses', 'uploadRedeemedCouponStatus'],
    ] as const) {
      const r = await fetch(`${server.url}/coupon/api/v1/upload/${route}/${series}`, {
        headers: { authorization: auth },
      });
      const body = (await r.json()) as { result: Record<string, Record<string, string>[]> };
      statuses.push(...(body.result[list] ?? []).map((j) => j[field]!));
    }
    expect(statuses).not.toContain('ERRORED');
    if (statuses.every((s) => s === 'FINISHED' || s === 'COMPLETED')) return;
    if (Date.now() > deadline) throw new Error(`upload jobs still running: ${statuses.join(', ')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * A block that starts a server on a new PostgreSQL database (createdb, then `npm start`): run with a
 * database of its own name on the test's PostgreSQL, `npm start` standing for the sources, until the
 * server is ready and has made its tables there; then stopped and the database dropped.
 */
async function runPostgresServer(block: ShellBlock): Promise<void> {
  const url = new URL(TEST_DATABASE_URL!);
  const name = `coupond_readme_${randomBytes(4).toString('hex')}`;
  const code = block.code.replaceAll('127.0.0.1:5432', url.host).replace(/\bcoupond\b/g, name);
  expect(code).toContain(name);
  const port = await freePort();
  const file = path.join(work, 'server-block.sh');
  const serve = coupondArgs('serve')
    .map((a) => `'${a}'`)
    .join(' ');
  fs.writeFileSync(
    file,
    `set -eo pipefail\nnpm() { [ "$1" = start ] && exec '${process.execPath}' ${serve}; }\n${code}\n`,
  );
  const child = spawn('bash', [file], {
    cwd: ROOT,
    env: shellEnv({
      PORT: String(port),
      PGPORT: url.port || '5432',
      COUPOND_DATA_DIR: path.join(work, 'pg-data'),
      LOG_LEVEL: 'warn',
    }),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  try {
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null)
        throw new Error(`README.md:${block.line} exited ${child.exitCode}:\n${output}`);
      const ready = await fetch(`http://127.0.0.1:${port}/ready`).catch(() => undefined);
      if (ready?.status === 200) break;
      if (Date.now() > deadline) throw new Error(`README.md:${block.line}: no server after 60 s:\n${output}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(output).toContain('created org "default"');
    const own = new pg.Client({ connectionString: `${url.protocol}//${url.username}@${url.host}/${name}` });
    await own.connect();
    try {
      const tables = await own.query(`select count(*)::int as n from pg_tables where schemaname = 'public'`);
      expect(tables.rows[0].n).toBeGreaterThan(5);
    } finally {
      await own.end();
    }
  } finally {
    if (child.exitCode === null) {
      process.kill(-child.pid!, 'SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    await admin.query(`drop database if exists "${name}"`);
    await admin.end();
  }
}

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'coupond-readme-'));
  fs.mkdirSync(path.join(work, 'bin'));
  fs.writeFileSync(path.join(work, 'bin', 'curl'), CURL_WRAPPER, { mode: 0o755 });
  db = await createTestDatabase();
  server = await spawnServer(db.env, 60_000);
  key = /key:\s+(\S+)/.exec(server.output())![1]!;
  secret = /secret:\s+(\S+)/.exec(server.output())![1]!;
}, 90_000);

afterAll(async () => {
  await server?.stop();
  await db?.drop();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

describe('README.md', () => {
  it('uses the placeholders the test replaces, and has its examples in sh blocks', () => {
    const all = BLOCKS.map((b) => b.code).join('\n');
    for (const p of Object.values(PLACEHOLDERS)) expect(all).toContain(p);
    expect(BLOCKS.filter((b) => b.directive.kind === 'run').length).toBeGreaterThan(20);
  });

  for (const block of BLOCKS) {
    const title = `${block.heading}: the example at README.md:${block.line}`;
    const d = block.directive;
    if (d.kind === 'skip') {
      it.skip(`${title} (${d.reason})`, () => {});
      continue;
    }
    if (d.kind === 'server') {
      it.skipIf(!TEST_DATABASE_URL)(`${title} (on PostgreSQL only)`, () => runPostgresServer(block), 90_000);
      continue;
    }
    it(
      title,
      async (ctx) => {
        if (failedBefore) ctx.skip(`an earlier example failed (${failedBefore})`);
        try {
          if (d.kind === 'wait-uploads') await waitForUploads(d.variable);
          await runBlock(block);
        } catch (e) {
          failedBefore = `README.md:${block.line}`;
          throw e;
        }
      },
      120_000,
    );
  }
});
