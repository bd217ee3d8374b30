/**
 * The reference pages in docs/ hold every route, context parameter, environment variable and
 * table (the README links to them instead of repeating them). A name added to contract/ or
 * infra/ without its line in docs/ fails here, the way a stale docs/openapi.json fails
 * test/unit/openapi.test.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENV } from '../../contract/config';
import { ROUTES, routeKey } from '../../contract/routes';
import { TABLES } from '../../contract/tables';
import { CONTEXT_KEYS } from '../../infra/config';

const doc = (name: string) => readFileSync(join(__dirname, '..', '..', 'docs', name), 'utf8');

describe('docs/', () => {
  it('http-api.md names every route of contract/routes.ts as METHOD path', () => {
    const page = doc('http-api.md');
    expect(ROUTES.map(routeKey).filter((key) => !page.includes('`' + key + '`'))).toEqual([]);
  });

  it('configuration.md names every context parameter of infra/config.ts', () => {
    const page = doc('configuration.md');
    expect(Object.values(CONTEXT_KEYS).filter((key) => !page.includes('`' + key + '`'))).toEqual([]);
  });

  it('configuration.md names every environment variable of contract/config.ts', () => {
    const page = doc('configuration.md');
    expect(Object.values(ENV).filter((name) => !page.includes(name))).toEqual([]);
  });

  it('storage.md names every table of contract/tables.ts', () => {
    const page = doc('storage.md');
    expect(TABLES.map((t) => t.id).filter((id) => !new RegExp(`^\\| ${id} \\|`, 'm').test(page))).toEqual([]);
  });
});
