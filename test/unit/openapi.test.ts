import { readFileSync } from 'node:fs';
import { ROUTES } from '../../contract/routes';
import { OPENAPI_PATH, openApiDocument } from '../../docs/openapi';

it('docs/openapi.json is generated from the current routes and schemas (run `npm run openapi`)', () => {
  const committed = JSON.parse(readFileSync(OPENAPI_PATH, 'utf8'));
  expect(committed).toEqual(JSON.parse(JSON.stringify(openApiDocument())));
});

it('documents every route', () => {
  const doc = openApiDocument();
  for (const route of ROUTES) expect(doc.paths[route.path]?.[route.method.toLowerCase()]).toBeDefined();
});
