// Preloaded into a coupond server by the benchmark (node --import tsx --import ./bench/server-hooks.ts),
// never in production. SIGUSR2 opens and closes a measuring window named by BENCH_HOOK_DIR/label; at
// its close the window's CPU profile (BENCH_PROFILE=1) and the SQL it ran (BENCH_SQL=1: statement
// counts and times, and the first statements in order with their values) are written to BENCH_HOOK_DIR
// as <label>.cpuprofile and <label>.sql.json. <label>.opened says the window is open.
import fs from 'node:fs';
import { Session } from 'node:inspector/promises';
import { createRequire } from 'node:module';
import path from 'node:path';

const dir = process.env.BENCH_HOOK_DIR ?? '.';
const withProfile = process.env.BENCH_PROFILE === '1';
const withSql = process.env.BENCH_SQL === '1';
/** Statements kept in order per window (enough for a few requests; the counts cover the rest). */
const LOG_LIMIT = 400;

interface StatementStats {
  count: number;
  ms: number;
}
interface LoggedStatement {
  client: number;
  sql: string;
  name: string | undefined;
  values: unknown[];
  ms: number;
}

let windowOpen = false;
let stats = new Map<string, StatementStats>();
let log: LoggedStatement[] = [];

function record(client: number, sql: string, name: string | undefined, values: unknown[], ms: number) {
  const s = stats.get(sql);
  if (s) {
    s.count++;
    s.ms += ms;
  } else stats.set(sql, { count: 1, ms });
  if (log.length < LOG_LIMIT) log.push({ client, sql, name, values, ms });
}

const require = createRequire(import.meta.url);
const clientIds = new WeakMap<object, number>();
let lastClientId = 0;
const idOf = (o: object): number => {
  let id = clientIds.get(o);
  if (id === undefined) {
    id = ++lastClientId;
    clientIds.set(o, id);
  }
  return id;
};

type Method = (this: object, ...args: unknown[]) => unknown;

/** Wraps better-sqlite3's statement methods (the prototype is shared by every statement). */
function traceSqlite(): void {
  const Database = require('better-sqlite3') as new (file: string) => {
    prepare(sql: string): object;
    close(): void;
  };
  const probe = new Database(':memory:');
  const proto = Object.getPrototypeOf(probe.prepare('select 1')) as Record<string, Method>;
  probe.close();
  for (const method of ['run', 'all', 'get', 'iterate']) {
    const original = proto[method];
    if (typeof original !== 'function') continue;
    proto[method] = function (this: object, ...args: unknown[]) {
      if (!windowOpen) return original.apply(this, args);
      const t = process.hrtime.bigint();
      try {
        return original.apply(this, args);
      } finally {
        const source = (this as { source?: string }).source ?? '?';
        record(0, source, undefined, args, Number(process.hrtime.bigint() - t) / 1e6);
      }
    };
  }
}

/** Wraps pg's Client#query (pool clients are Clients); times the promise it answers. */
function tracePg(): void {
  const pg = require('pg') as { Client: { prototype: Record<string, Method> } };
  const proto = pg.Client.prototype;
  const original = proto.query!;
  proto.query = function (this: object, ...args: unknown[]) {
    if (!windowOpen) return original.apply(this, args);
    const first = args[0];
    const config = typeof first === 'object' && first !== null ? (first as Record<string, unknown>) : {};
    const sql = typeof first === 'string' ? first : String(config.text ?? '?');
    const values = (Array.isArray(args[1]) ? args[1] : (config.values ?? [])) as unknown[];
    const name = typeof config.name === 'string' ? config.name : undefined;
    const client = idOf(this);
    const t = process.hrtime.bigint();
    const result = original.apply(this, args);
    const done = () => record(client, sql, name, values, Number(process.hrtime.bigint() - t) / 1e6);
    if (result && typeof (result as Promise<unknown>).then === 'function')
      (result as Promise<unknown>).then(done, done);
    else done();
    return result;
  };
}

const session = new Session();
let profiling = false;

/** The harness writes the next window's label to BENCH_HOOK_DIR/label before it signals. */
function nextLabel(): string {
  try {
    return fs.readFileSync(path.join(dir, 'label'), 'utf8').trim() || `window-${Date.now()}`;
  } catch {
    return `window-${Date.now()}`;
  }
}

/** Writes a file whole: the harness polls for it and must never read half of it. */
function publish(file: string, text: string): void {
  fs.writeFileSync(`${file}.tmp`, text);
  fs.renameSync(`${file}.tmp`, file);
}

async function open(label: string): Promise<void> {
  stats = new Map();
  log = [];
  windowOpen = withSql;
  if (withProfile) {
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
    profiling = true;
  }
  publish(path.join(dir, `${label}.opened`), '');
}

async function close(label: string): Promise<void> {
  windowOpen = false;
  if (withSql) {
    const statements = [...stats.entries()]
      .map(([sql, s]) => ({ sql, count: s.count, ms: Math.round(s.ms * 1000) / 1000 }))
      .sort((a, b) => b.ms - a.ms);
    publish(path.join(dir, `${label}.sql.json`), JSON.stringify({ statements, log }));
  }
  if (profiling) {
    const { profile } = await session.post('Profiler.stop');
    profiling = false;
    publish(path.join(dir, `${label}.cpuprofile`), JSON.stringify(profile));
  }
  publish(path.join(dir, `${label}.closed`), '');
}

if (withSql) {
  traceSqlite();
  tracePg();
}
if (withProfile) session.connect();

let current: string | undefined;
process.on('SIGUSR2', () => {
  let step: Promise<void>;
  if (current === undefined) {
    current = nextLabel();
    step = open(current);
  } else {
    step = close(current);
    current = undefined;
  }
  step.catch((e: unknown) => process.stderr.write(`server-hooks: ${String(e)}\n`));
});
