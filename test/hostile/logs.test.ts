// Secrets are never logged (docs/api.md §12, issue 8): a real server at LOG_LEVEL=trace goes through a whole
// session (CLI org and client creation, Basic with the secret and its MD5 hex, tokens from both token routes
// used both ways, failed logins, a revoked client, an upload) and no JSON log line carries a secret, the MD5
// of one, an Authorization value or a token.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coupondArgs } from '../support/coupond-command.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { seriesBody } from '../support/factories.js';
import { spawnServer, type ServerProcess } from '../support/spawn-server.js';
import { multipart } from '../support/upload-helpers.js';

const md5 = (s: string) => createHash('md5').update(s).digest('hex');
const basic = (key: string, secret: string) => `Basic ${Buffer.from(`${key}:${secret}`).toString('base64')}`;

let db: TestDatabase;
let env: Record<string, string>;
let server: ServerProcess;
/** Everything that must never reach a log line. */
const secrets = new Set<string>();
/** stderr of the CLI commands (their stdout is the command's answer, which carries the new secret). */
let cliLogs = '';

async function cli(...args: string[]): Promise<any> {
  const { stdout, stderr } = await promisify(execFile)(process.execPath, coupondArgs(...args), {
    env: { PATH: process.env.PATH ?? '', ...env },
  });
  cliLogs += stderr;
  const answer = stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .find((o) => !('level' in o));
  expect(answer, stdout).toBeDefined();
  return answer;
}

function remember(key: string, secret: string): void {
  for (const s of [secret, md5(secret), basic(key, secret), basic(key, md5(secret))]) {
    secrets.add(s);
    secrets.add(s.replace(/^Basic /, ''));
  }
}

/** The status of every answer the session got, in order. */
const answered: number[] = [];
async function call(method: string, p: string, headers: Record<string, string>, body?: string | Buffer) {
  const r = await fetch(`${server.url}${p}`, { method, headers, ...(body !== undefined ? { body } : {}) });
  answered.push(r.status);
  const text = await r.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: r.status, body: json, text };
}

beforeAll(async () => {
  db = await createTestDatabase();
  env = { ...db.env, LOG_LEVEL: 'trace', COUPOND_AUTH_FAILURE_LIMIT: '0' };
  // First start on an empty database: the server prints its banner with the default org's secret.
  server = await spawnServer(env);
}, 60_000);
afterAll(async () => {
  await server?.kill();
  await db?.drop();
});

/** The whole session, through the CLI and HTTP; ends by stopping the server so every line is written. */
async function runSession(): Promise<void> {
  const org = await cli('org', 'create', '--name', 'logged org');
  remember(org.key, org.secret);
  const other = await cli('client', 'create', '--org', String(org.orgId));
  remember(other.key, other.secret);
  const json = { 'content-type': 'application/json' };

  // Basic with the secret and with its MD5 hex.
  expect((await call('GET', '/v2/org/settings', { authorization: basic(org.key, org.secret) })).status).toBe(
    200,
  );
  expect(
    (await call('GET', '/v2/org/settings', { authorization: basic(org.key, md5(org.secret)) })).status,
  ).toBe(200);
  // Tokens from both token routes, JSON and form, and from Basic on /oauth/token.
  const tokens: string[] = [];
  const v3 = await call(
    'POST',
    '/v3/oauth/token/generate',
    json,
    JSON.stringify({ key: org.key, secret: org.secret }),
  );
  tokens.push(v3.body.data.accessToken);
  const v3md5 = await call(
    'POST',
    '/v3/oauth/token/generate',
    json,
    JSON.stringify({ key: org.key, secret: md5(org.secret) }),
  );
  tokens.push(v3md5.body.data.accessToken);
  const o2json = await call(
    'POST',
    '/oauth/token',
    json,
    JSON.stringify({ grant_type: 'client_credentials', client_id: org.key, client_secret: org.secret }),
  );
  tokens.push(o2json.body.access_token);
  const o2form = await call(
    'POST',
    '/oauth/token',
    { 'content-type': 'application/x-www-form-urlencoded' },
    `grant_type=client_credentials&client_id=${encodeURIComponent(org.key)}&client_secret=${encodeURIComponent(org.secret)}`,
  );
  tokens.push(o2form.body.access_token);
  const o2basic = await call(
    'POST',
    '/oauth/token',
    { ...json, authorization: basic(other.key, other.secret) },
    JSON.stringify({ grant_type: 'client_credentials' }),
  );
  tokens.push(o2basic.body.access_token);
  for (const token of tokens) {
    expect(token).toBeTruthy();
    secrets.add(token);
    expect((await call('GET', '/v2/org/settings', { authorization: `Bearer ${token}` })).status).toBe(200);
    expect((await call('GET', '/v2/org/settings', { 'x-cap-api-oauth-token': token })).status).toBe(200);
  }

  // Failed logins: wrong secrets (one a near miss of the real one), garbage tokens, malformed bodies
  // that carry the secret, a secret in a query string.
  const failed = [
    await call('GET', '/v2/org/settings', { authorization: basic(org.key, `${org.secret}x`) }),
    await call('GET', '/v2/org/settings', { authorization: basic(org.key, org.secret.slice(0, -1)) }),
    await call('GET', '/v2/org/settings', { authorization: `Bearer ${tokens[0]}x` }),
    await call('GET', '/v2/org/settings', { 'x-cap-api-oauth-token': `${tokens[0]!.slice(0, -2)}` }),
    await call(
      'POST',
      '/v3/oauth/token/generate',
      json,
      JSON.stringify({ key: org.key, secret: `${org.secret}x` }),
    ),
    await call('POST', '/v3/oauth/token/generate', json, `{"key":"${org.key}","secret":"${org.secret}"`),
    await call(
      'POST',
      '/oauth/token',
      json,
      `{"grant_type":"client_credentials","client_secret":"${org.secret}"`,
    ),
    await call(
      'POST',
      '/v3/oauth/token/generate',
      json,
      JSON.stringify({ key: `${org.key}\u0000`, secret: org.secret }),
    ),
    await call('GET', `/v2/org/settings?secret=${org.secret}`, {
      authorization: basic('nobody', org.secret),
    }),
  ];
  for (const r of failed) expect(r.status, r.text).toBeGreaterThanOrEqual(400);
  secrets.add(`${org.secret}x`);

  // Real work: a series, an issue, a redemption, an upload and its result file.
  const auth = { authorization: basic(org.key, org.secret) };
  const series = await call(
    'POST',
    '/v2/coupon/series',
    { ...auth, ...json },
    JSON.stringify(seriesBody({ description: 'logs', discountValue: 5 })),
  );
  expect(series.status, series.text).toBe(200);
  const issued = await call(
    'POST',
    '/v2/coupon/issue',
    { ...auth, ...json },
    JSON.stringify({ seriesId: series.body.id, customer: { mobile: '9876500001' } }),
  );
  expect(issued.status, issued.text).toBe(200);
  const redeemed = await call(
    'POST',
    '/v2/coupon/redeem',
    { ...auth, ...json },
    JSON.stringify({
      billAmount: 100,
      user: { mobile: '9876500001' },
      redemptionRequestList: [{ code: issued.body.code }],
    }),
  );
  expect(redeemed.status, redeemed.text).toBe(200);
  const form = multipart(
    { customerIdentifier: 'NOT_TAGGED' },
    { content: 'code\nLOGS0001\nLOGS0002\nbad code!\n' },
  );
  const upload = await call(
    'POST',
    `/coupon/api/v1/upload/file/${series.body.id}`,
    { ...auth, 'content-type': form.contentType },
    form.body,
  );
  expect(upload.status, upload.text).toBe(200);
  for (let i = 0; i < 200; i++) {
    const s = await call('GET', `/coupon/api/v1/upload/getUploadStatus/${series.body.id}`, auth);
    const job = s.body.result.uploadJobStatuses[0];
    if (job.uploadStatus !== 'STARTED') {
      expect((await call('GET', job.errorFileUrl, auth)).status).toBe(200);
      break;
    }
    await new Promise((r) => setTimeout(r, 50));
  }

  // A revoked client's token and credentials stop working, and the refusal logs neither.
  await cli('client', 'revoke', other.key);
  expect((await call('GET', '/v2/org/settings', { authorization: `Bearer ${tokens[4]}` })).status).toBe(401);
  expect(
    (await call('GET', '/v2/org/settings', { authorization: basic(other.key, other.secret) })).status,
  ).toBe(401);

  expect(await server.stop()).toBe(0);
}

/** The server's output split into the first-start banner and everything else (with the CLI's stderr). */
let banner: string[] = [];
let bannerCount = 0;
let rest: string[] = [];

beforeAll(async () => {
  await runSession();
  const output = server.output();
  const lines = output.split('\n').filter((l) => l.trim().length > 0);
  // The first-start banner is plain text printed once to stdout, not a log line: it is the one place the
  // default org's secret is shown (docs/api.md §1). It is recognised here, and left out of the search below.
  const bannerStart = lines.findIndex((l) => l.startsWith('coupond: first start on an empty database'));
  bannerCount = lines.filter((l) => l.startsWith('coupond: first start on an empty database')).length;
  banner = bannerStart >= 0 ? lines.slice(bannerStart, bannerStart + 6) : [];
  if (banner.length === 6) remember(banner[2]!.trim().split(/\s+/)[1]!, banner[3]!.trim().split(/\s+/)[1]!);
  rest = [
    ...lines.filter((_, i) => bannerStart < 0 || i < bannerStart || i >= bannerStart + 6),
    ...cliLogs.split('\n').filter(Boolean),
  ];
}, 120_000);

const parsed = (l: string): Record<string, unknown> | undefined => {
  try {
    const v: unknown = JSON.parse(l);
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
};

describe('logs of a whole session at LOG_LEVEL=trace', () => {
  it('print the first-start banner once as plain text, and nothing else that is not a JSON log line', () => {
    expect(bannerCount).toBe(1);
    expect(banner[2]).toMatch(/^ {2}key: {4}\S+$/);
    expect(banner[3]).toMatch(/^ {2}secret: \S+$/);
    expect(banner[5]).toMatch(/^ {2}curl /);
    expect(rest.filter((l) => parsed(l) === undefined)).toEqual([]);
  });

  it('hold one JSON line per request, refused logins included', () => {
    // spawnServer polls /health until the server answers: those requests are not the session's.
    const logged = rest.map(parsed).filter((l) => l?.msg === 'request' && l.route !== '/health');
    const tally = (statuses: unknown[]) =>
      Object.fromEntries(
        [...new Set(statuses)].map((x) => [String(x), statuses.filter((y) => y === x).length]),
      );
    expect(tally(logged.map((l) => l!.status))).toEqual(tally(answered));
  });

  it('carry no secret, MD5 of a secret, Authorization value or token in any JSON log line', () => {
    expect(rest.length).toBeGreaterThan(30);
    const leaks: string[] = [];
    for (const line of rest)
      for (const secret of secrets)
        if (secret.length >= 8 && line.includes(secret))
          leaks.push(`${secret.slice(0, 12)}… in ${line.slice(0, 300)}`);
    expect(leaks).toEqual([]);
    console.log(
      `logs: ${rest.length} JSON log lines at trace checked for ${secrets.size} secrets, MD5s, Authorization values and tokens`,
    );
  });
});
