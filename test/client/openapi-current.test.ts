// The OpenAPI document is one a client generator can use (issue 20), and the committed copies are current:
// docs/openapi.json is what the server serves, test/client/api-types.ts what openapi-typescript makes of
// it. `npm run openapi` rewrites both.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../support/coupond-command.js';
import { buildTestApp, type TestApp } from '../support/build-test-app.js';
import { typesOf } from './generate.js';

type Operation = {
  operationId?: string;
  security?: unknown[];
  requestBody?: { content: Record<string, { schema: Record<string, any> }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: any }> }>;
};

let t: TestApp;
let doc: {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, any> };
};
const operations: [string, Operation][] = [];

beforeAll(async () => {
  t = await buildTestApp();
  doc = (await t.get('/openapi.json', null)).body;
  for (const [p, ops] of Object.entries(doc.paths))
    for (const [m, op] of Object.entries(ops)) operations.push([`${m.toUpperCase()} ${p}`, op]);
});
afterAll(() => t?.close());

describe('the committed document and client types', () => {
  it('docs/openapi.json is the document the server serves (else run `npm run openapi`)', () => {
    const committed = JSON.parse(fs.readFileSync(path.join(ROOT, 'docs/openapi.json'), 'utf8'));
    expect(committed).toEqual(doc);
  });

  it('test/client/api-types.ts is what openapi-typescript makes of it (else run `npm run openapi`)', async () => {
    const committed = fs.readFileSync(path.join(ROOT, 'test/client/api-types.ts'), 'utf8');
    expect(committed).toBe(await typesOf(doc as never));
  }, 60_000);
});

describe('the OpenAPI document', () => {
  it('names every operation with a unique operationId', () => {
    const ids = operations.map(([, op]) => op.operationId);
    expect(ids.every((id) => typeof id === 'string' && /^[a-z][A-Za-z0-9]+$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBeGreaterThan(30);
  });

  it('describes every response, the error body included, by reference to shared schemas', () => {
    for (const [name, op] of operations) {
      for (const [status, r] of Object.entries(op.responses)) {
        expect(r.description, `${name} ${status}`).not.toBe('Default Response');
        expect(r.description.length, `${name} ${status}`).toBeGreaterThan(5);
      }
    }
    const v2 = operations.filter(([n]) => n.includes(' /v2/'));
    expect(v2.length).toBeGreaterThan(20);
    for (const [name, op] of v2) {
      expect(op.responses['4XX']?.content?.['application/json']?.schema, name).toEqual({
        $ref: '#/components/schemas/ErrorReply',
      });
    }
    expect(doc.components.schemas.ErrorReply.properties.errors.items).toEqual({
      $ref: '#/components/schemas/ErrorEntry',
    });
    for (const name of ['Series', 'SeriesInput', 'Coupon', 'Customer', 'UploadJob', 'RedeemRequest'])
      expect(doc.components.schemas[name], name).toBeDefined();
    const series =
      doc.paths['/v2/coupon/series']!.get!.responses['200']!.content!['application/json']!.schema;
    expect(series.properties.entity.items).toEqual({ $ref: '#/components/schemas/Series' });
  });

  it('documents the two uploads as multipart forms with a binary file', () => {
    for (const p of [
      '/coupon/api/v1/upload/file/{seriesId}',
      '/coupon/api/v1/upload/redeemFile/{seriesId}',
    ]) {
      const body = doc.paths[p]!.post!.requestBody!.content['multipart/form-data']!.schema;
      const form = doc.components.schemas[body.$ref.split('/').pop()];
      expect(form.properties.file).toMatchObject({ type: 'string', format: 'binary' });
      expect(form.required).toContain('customerIdentifier');
    }
    const download = doc.paths['/coupon/api/v1/upload/files/{name}']!.get!.responses['200']!;
    expect(Object.keys(download.content!)).toEqual(['text/csv']);
  });

  it('asks no credentials of the public routes and all three kinds of the others', () => {
    const open = operations.filter(([, op]) => Array.isArray(op.security) && op.security.length === 0);
    expect(open.map(([n]) => n).sort()).toEqual(
      [
        'GET /health',
        'GET /metrics',
        'GET /ready',
        'POST /oauth/token',
        'POST /v3/oauth/token/generate',
      ].sort(),
    );
    expect((doc as any).security).toEqual([{ basic: [] }, { bearer: [] }, { capToken: [] }]);
  });

  it('refers to nothing outside the coupond repository', () => {
    const text = JSON.stringify(doc);
    expect(text).not.toMatch(/SPEC|ERRORS\.md|STYLE\.md|STACK-NOTES|\.\.\/|shared\//);
    const refs = [...text.matchAll(/"\$ref":"([^"]+)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(50);
    for (const ref of new Set(refs)) {
      expect(ref).toMatch(/^#\/components\/schemas\//);
      expect(doc.components.schemas[ref.split('/').pop()!], ref).toBeDefined();
    }
  });
});
