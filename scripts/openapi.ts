// `npm run openapi`: writes the OpenAPI document the server serves to docs/openapi.json, and the typed
// client's types generated from it (openapi-typescript) to test/client/api-types.ts.
// test/client/openapi-current.test.ts fails when either is out of date.
import fs from 'node:fs';
import { documentOfApp, typesOf } from '../test/client/generate.js';

const doc = await documentOfApp();
fs.writeFileSync('docs/openapi.json', `${JSON.stringify(doc, null, 2)}\n`);
fs.writeFileSync('test/client/api-types.ts', await typesOf(doc));
console.log('wrote docs/openapi.json and test/client/api-types.ts');
