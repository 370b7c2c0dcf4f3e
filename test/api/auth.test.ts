import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openContext } from '../../src/app.js';
import { basicOf, buildTestApp, type TestApp } from '../support/build-test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => t.close());

const md5 = (s: string) => createHash('md5').update(s).digest('hex');

describe('authentication', () => {
  it('accepts HTTP Basic with the key and the secret', async () => {
    const r = await t.get('/v2/org/settings');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ orgId: t.client.orgId, name: 'org A', timezone: 'UTC', warnings: [] });
  });

  it('accepts HTTP Basic with the MD5 hex of the secret', async () => {
    const r = await t.request({
      url: '/v2/org/settings',
      as: null,
      headers: { authorization: basicOf(t.client.key, md5(t.client.secret)) },
    });
    expect(r.status).toBe(200);
  });

  it('refuses a wrong secret, an unknown key and no credentials with 401', async () => {
    for (const authorization of [
      basicOf(t.client.key, 'wrong'),
      basicOf('1_AAAAAAAAAAAAAAAAAAAAAAAA', 'x'),
      basicOf('garbage', 'x'),
    ]) {
      const r = await t.request({ url: '/v2/org/settings', as: null, headers: { authorization } });
      expect(r.status).toBe(401);
      expect(r.body).toEqual({
        errors: [{ code: 401, message: 'missing or bad credentials', reason: 'UNAUTHORIZED' }],
        warnings: [],
      });
    }
    const none = await t.get('/v2/org/settings', null);
    expect(none.status).toBe(401);
    expect(none.body.errors[0].code).toBe(401);
  });

  it('issues a token from /v3/oauth/token/generate usable as x-cap-api-oauth-token and as Bearer', async () => {
    const r = await t.post('/v3/oauth/token/generate', { key: t.client.key, secret: t.client.secret }, null);
    expect(r.status).toBe(200);
    expect(r.body.errors).toBeNull();
    expect(r.body.data.ttlSeconds).toBe(3600);
    const token = r.body.data.accessToken as string;
    expect(token.split('.')).toHaveLength(3);
    const viaCap = await t.request({
      url: '/v2/org/settings',
      as: null,
      headers: { 'x-cap-api-oauth-token': token },
    });
    expect(viaCap.status).toBe(200);
    const viaBearer = await t.request({
      url: '/v2/org/settings',
      as: null,
      headers: { authorization: `Bearer ${token}` },
    });
    expect(viaBearer.status).toBe(200);
  });

  it('token/generate accepts the MD5 hex of the secret and refuses a wrong one', async () => {
    const ok = await t.post(
      '/v3/oauth/token/generate',
      { key: t.client.key, secret: md5(t.client.secret) },
      null,
    );
    expect(ok.status).toBe(200);
    const bad = await t.post('/v3/oauth/token/generate', { key: t.client.key, secret: 'nope' }, null);
    expect(bad.status).toBe(401);
    expect(bad.body.data).toBeNull();
    expect(bad.body.errors[0].code).toBe(401);
  });

  it('issues a token from /oauth/token with a form body, a JSON body or Basic client credentials', async () => {
    const form = await t.request({
      method: 'POST',
      url: '/oauth/token',
      as: null,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `grant_type=client_credentials&client_id=${t.client.key}&client_secret=${t.client.secret}`,
    });
    expect(form.status).toBe(200);
    expect(form.body).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
    const json = await t.post(
      '/oauth/token',
      { grant_type: 'client_credentials', client_id: t.client.key, client_secret: t.client.secret },
      null,
    );
    expect(json.status).toBe(200);
    const basic = await t.request({
      method: 'POST',
      url: '/oauth/token',
      as: null,
      headers: { authorization: t.client.basic, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    expect(basic.status).toBe(200);
    const use = await t.request({
      url: '/v2/org/settings',
      as: null,
      headers: { authorization: `Bearer ${basic.body.access_token}` },
    });
    expect(use.status).toBe(200);
  });

  it('answers OAuth errors in the OAuth shape', async () => {
    const grant = await t.post('/oauth/token', { grant_type: 'password' }, null);
    expect(grant.status).toBe(400);
    expect(grant.body.error).toBe('unsupported_grant_type');
    const bad = await t.post(
      '/oauth/token',
      { grant_type: 'client_credentials', client_id: t.client.key, client_secret: 'x' },
      null,
    );
    expect(bad.status).toBe(401);
    expect(bad.body.error).toBe('invalid_client');
  });

  it('refuses a forged, tampered or expired token', async () => {
    const r = await t.post('/v3/oauth/token/generate', { key: t.client.key, secret: t.client.secret }, null);
    const token = r.body.data.accessToken as string;
    const [h, p] = token.split('.');
    const claims = JSON.parse(Buffer.from(p!, 'base64url').toString());
    const forgedPayload = Buffer.from(JSON.stringify({ ...claims, org: 999 })).toString('base64url');
    for (const bad of [`${h}.${forgedPayload}.${token.split('.')[2]}`, `${token}x`, 'not-a-token']) {
      const res = await t.request({
        url: '/v2/org/settings',
        as: null,
        headers: { 'x-cap-api-oauth-token': bad },
      });
      expect(res.status).toBe(401);
    }
  });

  it('refuses a call without the scope it needs with 403', async () => {
    const reader = await t.createClient(t.client.orgId, { scopes: ['read'] });
    const read = await t.get('/v2/org/settings', reader);
    expect(read.status).toBe(200);
    const change = await t.put('/v2/org/settings', { timezone: 'Asia/Kolkata' }, reader);
    expect(change.status).toBe(403);
    expect(change.body.errors[0]).toMatchObject({ code: 403 });
  });

  it('stops a revoked client at once, for Basic and for tokens it already holds', async () => {
    const c = await t.createClient(t.client.orgId);
    const token = (await t.post('/v3/oauth/token/generate', { key: c.key, secret: c.secret }, null)).body.data
      .accessToken;
    expect((await t.get('/v2/org/settings', c)).status).toBe(200);
    expect(
      (await t.request({ url: '/v2/org/settings', as: null, headers: { authorization: `Bearer ${token}` } }))
        .status,
    ).toBe(200);
    expect(await t.app.services.auth.revokeClient(c.key)).toBe(true);
    expect((await t.get('/v2/org/settings', c)).status).toBe(401);
    expect(
      (await t.request({ url: '/v2/org/settings', as: null, headers: { authorization: `Bearer ${token}` } }))
        .status,
    ).toBe(401);
    expect((await t.post('/v3/oauth/token/generate', { key: c.key, secret: c.secret }, null)).status).toBe(
      401,
    );
  });

  it('stops a client revoked by another process (the CLI) on its next request', async () => {
    const c = await t.createClient(t.client.orgId);
    expect((await t.get('/v2/org/settings', c)).status).toBe(200);
    expect((await t.get('/v2/org/settings', c)).status).toBe(200); // now answered from the cache
    // A second context on the same database, as `coupond client revoke` opens: its own connection.
    const other = await openContext(t.app.config, { logger: t.app.logger });
    try {
      expect(await other.services.auth.revokeClient(c.key)).toBe(true);
    } finally {
      await other.close();
    }
    // PostgreSQL tells this process by NOTIFY, which arrives a moment later; SQLite sees it at once.
    await expect.poll(async () => (await t.get('/v2/org/settings', c)).status, { timeout: 2000 }).toBe(401);
  });

  it('keeps each org to itself: settings answer the caller org only', async () => {
    const b = await t.createOrg('org B', { timezone: 'Europe/Paris' });
    const r = await t.get('/v2/org/settings', b);
    expect(r.body).toMatchObject({ orgId: b.orgId, name: 'org B', timezone: 'Europe/Paris' });
    expect(b.orgId).not.toBe(t.client.orgId);
  });

  it('lets an admin change org settings and validates them', async () => {
    const b = await t.createOrg('org C');
    const ok = await t.put(
      '/v2/org/settings',
      { timezone: 'Asia/Kolkata', mobileCountryCode: '91', smsWebhookUrl: 'http://127.0.0.1:9/sms' },
      b,
    );
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({
      timezone: 'Asia/Kolkata',
      mobileCountryCode: '91',
      smsWebhookUrl: 'http://127.0.0.1:9/sms',
    });
    const bad = await t.put('/v2/org/settings', { timezone: 'Mars/Olympus' }, b);
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].code).toBe(629);
    expect(bad.body.errors[0].message).toContain('timezone');
  });
});

describe('operations routes', () => {
  it('answers health, readiness, metrics and the OpenAPI document without credentials', async () => {
    expect((await t.get('/health', null)).body).toEqual({ status: 'ok' });
    expect((await t.get('/ready', null)).body).toEqual({ status: 'ready' });
    const metrics = await t.get('/metrics', null);
    expect(metrics.text).toContain('coupond_http_request_duration_seconds');
    const doc = await t.get('/openapi.json', null);
    expect(doc.body.openapi).toBe('3.0.3');
    expect(Object.keys(doc.body.paths)).toContain('/v2/org/settings');
  });

  it('answers a malformed URL with 400 in the error shape', async () => {
    const r = await t.get('/v2/coupon/%E0%A4%A/history');
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ errors: [{ code: 629 }], warnings: [] });
  });

  it('answers an unknown route with 404 in the error shape and carries a request id', async () => {
    const r = await t.get('/v2/nothing-here');
    expect(r.status).toBe(404);
    expect(r.body.errors[0].code).toBe(404);
    expect(r.headers['x-request-id']).toBeTruthy();
  });
});
