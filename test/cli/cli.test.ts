// The compiled build and the `coupond` command line (issue 20). The test compiles the sources afresh with
// the build's own tsconfig into a scratch folder beside bin/ (never the dist/ a user may be running), then
// runs that copy of bin/coupond.js as a user would: help without loading a dependency, usage on every
// mistake, the admin commands on the test database, and a server started from the compiled JavaScript.
import { execFile, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../support/coupond-command.js';
import { spawnServer } from '../support/spawn-server.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const run = promisify(execFile);
/** Inside the repository, so the compiled files find node_modules as dist/ does. */
const BUILD = path.join(ROOT, '.vitest-tmp', `build-${randomBytes(4).toString('hex')}`);
const BIN = path.join(BUILD, 'bin', 'coupond.js');

let db: TestDatabase;

interface Answer {
  status: number;
  stdout: string;
  stderr: string;
  ms: number;
}

async function coupond(args: string[], extraEnv: Record<string, string> = {}): Promise<Answer> {
  const started = performance.now();
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], {
      env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', ...db.env, ...extraEnv },
    });
    return { status: 0, stdout, stderr, ms: performance.now() - started };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { status: err.code, stdout: err.stdout, stderr: err.stderr, ms: performance.now() - started };
  }
}

/**
 * The files (under BUILD, or node_modules/…) a run of the built `coupond` loads, recorded by a module hook
 * (every ESM import; CommonJS require() calls inside a package are not seen).
 */
function loadedModules(args: string[], env: Record<string, string> = {}): string[] {
  const log = path.join(BUILD, `loaded-${randomBytes(4).toString('hex')}.txt`);
  const hooks = path.join(BUILD, 'hooks.mjs');
  fs.writeFileSync(
    hooks,
    `import fs from 'node:fs';
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  if (process.env.LOADED_LOG) fs.appendFileSync(process.env.LOADED_LOG, r.url + '\\n');
  return r;
}`,
  );
  const register = path.join(BUILD, 'register.mjs');
  fs.writeFileSync(
    register,
    `import { register } from 'node:module'; register('./hooks.mjs', import.meta.url);`,
  );
  const r = spawnSync(process.execPath, ['--import', register, BIN, ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', ...env, LOADED_LOG: log },
  });
  expect(r.status, r.stderr).toBe(0);
  const urls = fs.readFileSync(log, 'utf8').split('\n');
  const files = urls
    .filter((u) => u.startsWith('file:'))
    .map((u) => {
      const file = new URL(u).pathname;
      const inBuild = path.relative(BUILD, file);
      return inBuild.startsWith('..') ? path.relative(ROOT, file) : inBuild;
    });
  return [...new Set(files)].sort();
}

const jsonLines = (text: string) =>
  text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, any>);

beforeAll(async () => {
  fs.mkdirSync(path.join(BUILD, 'bin'), { recursive: true });
  fs.copyFileSync(path.join(ROOT, 'bin', 'coupond.js'), BIN);
  const tsc = spawnSync(
    process.execPath,
    [
      path.join(ROOT, 'node_modules/typescript/bin/tsc'),
      '-p',
      'tsconfig.build.json',
      '--outDir',
      path.join(BUILD, 'dist'),
    ],
    { cwd: ROOT, encoding: 'utf8' },
  );
  expect(tsc.status, `${tsc.stdout}${tsc.stderr}`).toBe(0);
  const bundle = spawnSync(process.execPath, ['scripts/build-cli.mjs', path.join(BUILD, 'dist')], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  expect(bundle.status, `${bundle.stdout}${bundle.stderr}`).toBe(0);
  db = await createTestDatabase();
}, 180_000);

afterAll(async () => {
  fs.rmSync(BUILD, { recursive: true, force: true });
  await db?.drop();
});

describe('the compiled build', () => {
  it('holds every source file, the worker thread script included, and no test file', () => {
    const files = fs.readdirSync(path.join(BUILD, 'dist'), { recursive: true }).map(String);
    expect(files).toContain(path.join('cli', 'main.js'));
    expect(files).toContain(path.join('storage', 'checkpointer.mjs'));
    expect(files.filter((f) => f.endsWith('.test.js'))).toEqual([]);
  });

  it('answers `coupond help` without loading any dependency or the server', async () => {
    const loaded = loadedModules(['help']);
    // bin/coupond.js, the bundle's entry and the command table: not a command's code, not the configuration.
    expect(loaded).toContain('bin/coupond.js');
    expect(loaded).toContain('dist/cli-bundle/main.js');
    const others = loaded.filter((f) => f !== 'bin/coupond.js' && f !== 'dist/cli-bundle/main.js');
    expect(others.length, others.join(', ')).toBeLessThanOrEqual(2);
    for (const f of others) expect(f).toMatch(/^dist\/cli-bundle\/chunk-\w+\.js$/);
  });

  it('runs an administrative command on the bundle: no HTTP layer, no dependency but the database driver', async () => {
    const own = await createTestDatabase(); // the shared one must stay unmigrated for the migrate test
    try {
      const loaded = loadedModules(['org', 'list'], own.env);
      expect(loaded).toContain('dist/cli-bundle/main.js');
      expect(
        loaded.some((f) => /^dist\/cli-bundle\/admin-\w+\.js$/.test(f)),
        loaded.join(', '),
      ).toBe(true);
      // Beside the bundle: the database drivers by their entry files (their own require()s are not seen by
      // the hook), the compiled checkpointer and the worker thread it starts from its own folder (SQLite).
      const allowed = /^(node_modules\/(better-sqlite3|pg)\/|dist\/storage\/checkpointer\.m?js$)/;
      const outside = loaded.filter((f) => f !== 'bin/coupond.js' && !f.startsWith('dist/cli-bundle/'));
      for (const f of outside) expect(f).toMatch(allowed);
      // A handful of files, whatever the command: not the 1,150 modules the compiled sources load.
      expect(loaded.length, loaded.join(', ')).toBeLessThanOrEqual(12);
      console.log(`coupond org list loaded ${loaded.length} files: ${loaded.join(', ')}`);
    } finally {
      await own.drop();
    }
  });

  it('answers help in well under a second (printed; bounded loosely: the machine is shared)', async () => {
    const times: number[] = [];
    for (let i = 0; i < 3; i++) times.push((await coupond(['help'])).ms);
    const best = Math.min(...times);
    console.log(`coupond help: ${times.map((t) => Math.round(t)).join(', ')} ms (best ${Math.round(best)})`);
    expect(best).toBeLessThan(1500);
  });

  it('serves: the server started from the compiled JavaScript answers', async () => {
    const own = await createTestDatabase();
    const server = await spawnServer(own.env, 60_000, [BIN, 'serve']);
    try {
      expect(server.output()).toContain('created org "default"');
      expect((await fetch(`${server.url}/ready`)).status).toBe(200);
      const doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as { paths: object };
      expect(Object.keys(doc.paths).length).toBeGreaterThan(20);
      expect((await fetch(`${server.url}/docs/`)).status).toBe(200);
    } finally {
      expect(await server.stop()).toBe(0);
      await own.drop();
    }
  }, 90_000);
});

describe('coupond help and usage', () => {
  it('lists every command with `coupond help`, `--help` and `-h`', async () => {
    for (const args of [['help'], ['--help'], ['-h']]) {
      const r = await coupond(args);
      expect(r.status).toBe(0);
      for (const command of [
        'serve',
        'backup',
        'migrate',
        'org create',
        'org list',
        'client list',
        'client revoke',
      ])
        expect(r.stdout).toContain(`coupond ${command}`);
    }
  });

  it('shows one command with `coupond COMMAND --help` and `coupond help COMMAND`', async () => {
    for (const args of [
      ['client', 'create', '--help'],
      ['help', 'client', 'create'],
    ]) {
      const r = await coupond(args);
      expect(r.status).toBe(0);
      expect(r.stdout).toContain('usage: coupond client create --org ID');
      expect(r.stdout).toContain('--scopes read,write,upload,admin');
      expect(r.stdout).not.toContain('org list');
    }
  });

  it.each([
    [[], 'name a command', 'usage: coupond COMMAND'],
    [['frobnicate'], 'unknown command: frobnicate', 'usage: coupond COMMAND'],
    [['org'], 'org needs one of (create, update, list)', 'coupond org list'],
    [['client', 'remove'], 'unknown command: client remove', 'coupond client revoke KEY'],
    [['org', 'create'], 'org create needs --name', 'usage: coupond org create --name NAME'],
    [
      ['org', 'create', '--name', 'A', '--colour', 'red'],
      "Unknown option '--colour'",
      'usage: coupond org create',
    ],
    [['org', 'list', 'extra'], 'unexpected argument: extra', 'usage: coupond org list'],
    [['client', 'list', '--org', 'one'], '--org needs a positive integer id', 'usage: coupond client list'],
    [['client', 'revoke'], 'client revoke needs KEY', 'usage: coupond client revoke KEY'],
    [['serve', '--port', '80'], "Unknown option '--port'", 'usage: coupond serve'],
  ])('refuses `coupond %j` with a message and the usage, exit status 2', async (args, message, usage) => {
    const r = await coupond(args);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(message);
    expect(r.stderr).toContain(usage);
  });

  it('reports a bad environment variable with the usage, exit status 2', async () => {
    const r = await coupond(['org', 'list'], { PORT: 'eighty' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('PORT');
    expect(r.stderr).toContain('usage: coupond org list');
  });
});

describe('the administrative commands', () => {
  let org: { orgId: number; key: string; secret: string };
  let client: { key: string; secret: string };

  it('migrate names the migrations it applied, then says nothing was pending', async () => {
    const first = await coupond(['migrate']);
    expect(first.status, first.stderr).toBe(0);
    expect(jsonLines(first.stdout)).toEqual([
      { applied: ['0001-schema', '0010-pg-guard', '0020-files', '0021-throttle', '0040-customer-cards'] },
    ]);
    const again = await coupond(['migrate']);
    expect(jsonLines(again.stdout)).toEqual([
      { applied: [], message: 'nothing was pending: the schema is up to date' },
    ]);
  });

  it('org create and org list', async () => {
    const created = await coupond(['org', 'create', '--name', 'Acme', '--mobile-country-code', '91']);
    expect(created.status, created.stderr).toBe(0);
    [org] = jsonLines(created.stdout) as [typeof org];
    expect(org).toEqual({ orgId: expect.any(Number), key: expect.any(String), secret: expect.any(String) });
    await coupond(['org', 'create', '--name', 'Beta', '--timezone', 'Europe/Paris']);
    const list = jsonLines((await coupond(['org', 'list'])).stdout);
    expect(list.map((o) => [o.name, o.timezone, o.mobileCountryCode])).toEqual([
      ['Acme', 'UTC', '91'],
      ['Beta', 'Europe/Paris', null],
    ]);
  });

  it('client list shows keys, tills, scopes and dates, never a secret or its hash', async () => {
    const made = await coupond(['client', 'create', '--org', String(org.orgId), '--till', 'T-9']);
    [client] = jsonLines(made.stdout) as [typeof client];
    const r = await coupond(['client', 'list', '--org', String(org.orgId)]);
    expect(r.status, r.stderr).toBe(0);
    const list = jsonLines(r.stdout);
    expect(list).toEqual([
      {
        orgId: org.orgId,
        key: org.key,
        tillId: null,
        scopes: ['read', 'write', 'upload', 'admin'],
        createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        revokedAt: null,
      },
      expect.objectContaining({ key: client.key, tillId: 'T-9', scopes: ['read', 'write', 'upload'] }),
    ]);
    expect(r.stdout).not.toContain(org.secret);
    expect(r.stdout).not.toContain(client.secret);
    expect(r.stdout).not.toMatch(/hash|salt|secret/i);
  });

  it('client revoke shows in client list; a failure prints the message and the usage line, exit 1', async () => {
    expect(jsonLines((await coupond(['client', 'revoke', client.key])).stdout)).toEqual([
      { key: client.key, revoked: true },
    ]);
    const list = jsonLines((await coupond(['client', 'list', '--org', String(org.orgId)])).stdout);
    expect(list.find((c) => c.key === client.key)?.revokedAt).toMatch(/^\d{4}-/);
    const again = await coupond(['client', 'revoke', client.key]);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain(`no active client with key ${client.key}`);
    expect(again.stderr).toContain('usage: coupond client revoke KEY');
    const unknownOrg = await coupond(['client', 'list', '--org', '999']);
    expect(unknownOrg.status).toBe(1);
    expect(unknownOrg.stderr).toContain('org 999');
  });
});
