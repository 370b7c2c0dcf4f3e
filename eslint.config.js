// Flat ESLint config. The layer rule of docs/architecture.md is enforced by path with no-restricted-imports:
// domain <- services <- {http, jobs, cli}; only services, jobs/worker.ts, app.ts and context.ts import storage,
// and only storage knows rows and counter slots: outside it nothing imports storage/tables.ts, a store's …Row
// type or anything named for a slot; only src/http imports fastify.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const layer = (regex, message) => ({ regex, message });
const noFastify = layer('^(fastify|@fastify/.*)$', 'only src/http imports fastify');
const noStorage = layer(
  '(^|/)storage(/|$)',
  'only services, jobs/worker.ts, app.ts and context.ts import storage',
);
const noHttp = layer('(^|/)http(/|$)', 'nothing below the http layer imports it');
const noServices = layer('(^|/)services(/|$)', 'domain and storage do not import services');
const noTables = layer('(^|/)storage/tables(\\.js)?$', 'rows stay in storage: stores answer domain types');
const noRows = {
  regex: '(^|/)storage/',
  importNamePattern: 'Row$',
  message: 'rows stay in storage: stores answer domain types',
};
const noSlots = {
  regex: '(^|/)storage/',
  importNamePattern: '[Ss]lot|SLOT',
  message: 'only storage knows counter slots: storage/counter-store.ts chooses them',
};
export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      'data/**',
      'dist/**',
      'coverage/**',
      'console/dist/**',
      'docs/**',
      'scratch/**',
      '.vitest-tmp/**',
      'test/client/api-types.ts',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[object.name='Math'][property.name='random']",
          message: 'use node:crypto',
        },
      ],
    },
  },
  {
    // Tests read JSON replies whose shape the assertions check.
    files: ['test/**/*.ts', 'src/**/*.test.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            noFastify,
            noStorage,
            noHttp,
            noServices,
            layer('^kysely', 'domain is pure'),
            layer('^(node:)?fs', 'domain is pure'),
            layer('(^|/)(jobs|cli)(/|$)', 'domain is pure'),
          ],
        },
      ],
    },
  },
  {
    files: ['src/services/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            noFastify,
            noHttp,
            noTables,
            noRows,
            noSlots,
            layer('(^|/)(jobs|cli)(/|$)', 'services sit below jobs and cli'),
          ],
        },
      ],
    },
  },
  {
    files: ['src/storage/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            noFastify,
            noHttp,
            noServices,
            layer('(^|/)(jobs|cli)(/|$)', 'storage is the bottom layer'),
          ],
        },
      ],
    },
  },
  {
    files: ['src/http/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [noStorage, layer('(^|/)(jobs|cli)(/|$)', 'http calls services')] },
      ],
    },
  },
  {
    files: ['src/jobs/**/*.ts'],
    ignores: ['src/jobs/worker.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [noFastify, noStorage, noHttp] }] },
  },
  {
    // The worker claims jobs from storage itself (docs/architecture.md "Jobs and uploads").
    files: ['src/jobs/worker.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [noFastify, noHttp, noTables, noRows, noSlots] }],
    },
  },
  {
    // The other files at the top of src/ (context, config) sit below HTTP too.
    files: ['src/*.ts'],
    ignores: ['src/app.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [noFastify, noRows, noSlots] }] },
  },
  {
    // The composition root opens storage and composes the HTTP server (http/server.ts) with the context;
    // it handles no rows and, like everything outside src/http, does not import Fastify.
    files: ['src/app.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [noFastify, noTables, noRows, noSlots] }] },
  },
  {
    files: ['src/cli/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [noFastify, noStorage, noHttp] }] },
  },
);
