/**
 * Bad input gets a 4xx naming the field and writes nothing but its audited refusal: every
 * case below compares the full contents of every table and the bucket before and after.
 */
import { deployBody, userProfile } from '../support/fixtures';
import { startTestRewind, type Caller, type TestRewind } from '../support/rewind';

let rewind: TestRewind;
let deployer: Caller;
let view: string;

beforeAll(async () => {
  rewind = await startTestRewind('bad');
  view = rewind.view('user_profile');
  deployer = await rewind.as('dev', ['deployer']);
  await deployer.post(`/views/${view}/versions`, deployBody(1, 5, { activate: true }));
  await deployer.post(`/views/${view}/versions`, deployBody(2, 5));
});
afterAll(() => rewind.stop());

const withFeatures = (features: unknown) => ({ definition: { entity: 'user_id', features }, rows: [{ user_id: 'a' }] });

// The cases are listed before Rewind starts, so paths name views by placeholder: {view} is
// this suite's view, {unknown} one it never creates, {bad} an invalid name (see `resolve`).
const cases: [string, string, string, unknown, number, string | undefined][] = [
  ['malformed JSON', 'POST', '/views/{view}/versions', '{"definition": ', 400, 'body'],
  ['missing definition', 'POST', '/views/{view}/versions', { rows: [] }, 400, 'body.definition'],
  ['unknown feature type', 'POST', '/views/{view}/versions', withFeatures([{ name: 'x', type: 'decimal' }]), 400, 'body.definition.features[0].type'],
  ['duplicate feature', 'POST', '/views/{view}/versions', withFeatures([{ name: 'x', type: 'int' }, { name: 'x', type: 'int' }]), 400, 'body.definition.features[1].name'],
  ['neither rows nor snapshotUri', 'POST', '/views/{view}/versions', { definition: userProfile }, 400, 'body.rows'],
  ['a column that is not a feature', 'POST', '/views/{view}/versions', { definition: userProfile, rows: [{ user_id: 'a', height: 3 }] }, 400, 'body.rows[0].height'],
  ['a value of the wrong type', 'POST', '/views/{view}/versions', { definition: userProfile, rows: [{ user_id: 'a' }, { user_id: 'b', age: 'old' }] }, 400, 'body.rows[1].age'],
  ['a float in an int feature', 'POST', '/views/{view}/versions', { definition: userProfile, rows: [{ user_id: 'a', age: 1.5 }] }, 400, 'body.rows[0].age'],
  ['a row without its entity key', 'POST', '/views/{view}/versions', { definition: userProfile, rows: [{ age: 3 }] }, 400, 'body.rows[0].user_id'],
  ['a duplicate entity', 'POST', '/views/{view}/versions', { definition: userProfile, rows: [{ user_id: 'a' }, { user_id: 'a' }] }, 400, 'body.rows[1].user_id'],
  ['a snapshotUri with no object', 'POST', '/views/{view}/versions', { definition: userProfile, snapshotUri: 's3://nowhere-bucket/x.parquet' }, 400, 'snapshotUri'],
  ['a bad view name', 'POST', '/views/{bad}/versions', deployBody(1), 400, 'path.view'],
  ['activate without version', 'POST', '/views/{view}/activate', {}, 400, 'body.version'],
  ['activate with a string version', 'POST', '/views/{view}/activate', { version: 'two' }, 400, 'body.version'],
  ['rollback without reason', 'POST', '/views/{view}/rollback', {}, 400, 'body.reason'],
  ['activate an unknown view', 'POST', '/views/{unknown}/activate', { version: 1 }, 404, undefined],
  ['activate an unknown version', 'POST', '/views/{view}/activate', { version: 99 }, 404, undefined],
  ['get an unknown version', 'GET', '/views/{view}/versions/99', undefined, 404, undefined],
  ['serve an unknown view', 'GET', '/online/{unknown}/u1', undefined, 404, undefined],
  ['stale expectedRevision on activate', 'POST', '/views/{view}/activate', { version: 2, expectedRevision: 0 }, 409, undefined],
  ['stale expectedRevision on rollback', 'POST', '/views/{view}/rollback', { toVersion: 2, reason: 'x', expectedRevision: 7 }, 409, undefined],
  ['rollback with nothing earlier to go to', 'POST', '/views/{view}/rollback', { reason: 'x' }, 409, undefined],
  ['purge the served version', 'DELETE', '/views/{view}/versions/1/online', undefined, 409, undefined],
];

describe.each(cases)('%s', (_name, method, path, body, status, field) => {
  it(`answers ${status}${field ? ` naming ${field}` : ''} and writes nothing`, async () => {
    const before = await rewind.dump();
    const reply = await deployer.request(method, resolve(path), body);
    expect(reply.status).toBe(status);
    expect(reply.body.error.message).toEqual(expect.any(String));
    if (field) expect(reply.body.error.field).toBe(field);
    expect(withoutRefusals(await rewind.dump())).toEqual(withoutRefusals(before));
  });
});

/** A dump without the audit refusals (outcome `denied`) and chain heads a refusal appends: everything else must not move. */
function withoutRefusals(dump: Awaited<ReturnType<TestRewind['dump']>>) {
  const audit = (dump.tables.audit as string[]).filter((item) => (JSON.parse(item) as { outcome?: { S?: string } }).outcome?.S !== 'denied');
  const { auditHeads: _heads, ...tables } = dump.tables;
  return { ...dump, tables: { ...tables, audit } };
}

/** A case's path with its placeholders replaced by this suite run's view names. */
function resolve(path: string): string {
  return path
    .replace('{view}', view)
    .replace('{unknown}', rewind.view('nope'))
    .replace('{bad}', encodeURIComponent(rewind.view('no spaces')));
}

it('refuses to activate a rejected version with 409', async () => {
  // A rejected version is written by preflight validation; here it is planted directly
  // through the registry so this suite does not depend on preflight policy.
  const { createDeps } = await import('../../store');
  const deps = createDeps();
  const record = (await deps.catalog.getVersion(view, 2))!;
  const version = await deps.catalog.nextVersionNumber(view, new Date().toISOString());
  await deps.catalog.putVersion({ ...record, version, outcome: 'rejected' }, { actor: `test.${rewind.tag}`, action: 'deploy', outcome: 'allowed', view });

  const before = await rewind.dump();
  const reply = await deployer.post(`/views/${view}/activate`, { version });
  expect(reply.status).toBe(409);
  expect(reply.body.error.code).toBe('VersionRejected');
  expect(await rewind.dump()).toEqual(before);
});

it('answers 401 without a token or with a forged one', async () => {
  const none = await fetch(`${rewind.url}/views`);
  expect(none.status).toBe(401);
  const forged = await fetch(`${rewind.url}/views`, { headers: { authorization: `Bearer ${deployer.token.slice(0, -4)}AAAA` } });
  expect(forged.status).toBe(401);
});
