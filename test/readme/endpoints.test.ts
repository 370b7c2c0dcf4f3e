// The README's Endpoints table names every operation of the OpenAPI document, and nothing else: a route
// added without its line (or a line left behind by a removed route) fails here. docs/openapi.json is kept
// current with the app by test/client/openapi-current.test.ts.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/coupond-command.js';

const METHODS = ['get', 'post', 'put', 'delete', 'patch'] as const;

function documented(): string[] {
  const doc = JSON.parse(fs.readFileSync(path.join(ROOT, 'docs/openapi.json'), 'utf8')) as {
    paths: Record<string, Record<string, unknown>>;
  };
  return Object.entries(doc.paths).flatMap(([p, ops]) =>
    METHODS.filter((m) => m in ops).map((m) => `${m.toUpperCase()} ${p}`),
  );
}

function listed(): string[] {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const section = readme.split('\n## Endpoints\n')[1]?.split('\n## ')[0] ?? '';
  return [...section.matchAll(/^\|\s*(GET|POST|PUT|DELETE|PATCH)\s*\|\s*`([^`]+)`/gm)].map(
    (m) => `${m[1]} ${m[2]}`,
  );
}

describe("the README's Endpoints table", () => {
  it('lists every operation of the OpenAPI document, and only those', () => {
    const ops = documented();
    expect(ops.length).toBeGreaterThan(40);
    expect(listed().sort()).toEqual([...ops].sort());
  });
});
