/**
 * Input that DynamoDB would refuse is refused at the door (issue 10, finding 6): each case is
 * a deploy that used to answer 500 after taking a version number, registering the view,
 * writing the snapshot and sometimes online rows. Now: a 400 naming the field, one audit
 * entry (the refusal, outcome `denied`), and nothing else written; the view it aimed at is not
 * listed. Against the real DynamoDB Local and s3rver.
 */
import { userProfile } from '../support/fixtures';
import { startTestRewind, type Caller, type TestRewind } from '../support/rewind';

let rewind: TestRewind;
let deployer: Caller;
let fresh: string;
let existing: string;

beforeAll(async () => {
  rewind = await startTestRewind('limits');
  deployer = await rewind.as('dev', ['deployer']);
  fresh = rewind.view('never_deployed');
  existing = rewind.view('user_profile');
  expect((await deployer.post(`/views/${existing}/versions`, { definition: userProfile, rows: [{ user_id: 'u1', age: 30 }], activate: true })).status).toBe(201);
});
afterAll(() => rewind.stop());

const KB = 1024;
const row = (extra: Record<string, unknown>) => ({ definition: userProfile, rows: [{ user_id: 'a', age: 1 }, { user_id: 'b', ...extra }] });
const withFeature = (feature: Record<string, unknown>) => ({ definition: { entity: 'user_id', features: [{ name: 'x', ...feature }] }, rows: [{ user_id: 'a' }] });

const cases: [string, unknown, string][] = [
  ['a float beyond what DynamoDB stores exactly (1e300)', row({ avg_basket: 1e300 }), 'body.rows[1].avg_basket'],
  ['a float past 2^53, which the document client refuses', row({ avg_basket: 1e20 }), 'body.rows[1].avg_basket'],
  ['a float below 1E-130 in magnitude', row({ avg_basket: -1e-200 }), 'body.rows[1].avg_basket'],
  ['a subnormal float', row({ avg_basket: 5e-324 }), 'body.rows[1].avg_basket'],
  ['an int past 2^53', row({ age: 2 ** 60 }), 'body.rows[1].age'],
  ['a row over 400 KB', row({ country: 'x'.repeat(410 * KB) }), 'body.rows[1].country'],
  ['a row of 4-byte characters over 400 KB though under 400 K characters', row({ country: '😀'.repeat(110 * KB) }), 'body.rows[1].country'],
  ['an entity key over the key limit in UTF-8 bytes (1000 characters, 2000 bytes)', { definition: userProfile, rows: [{ user_id: 'é'.repeat(1000) }] }, 'body.rows[0].user_id'],
  ['an int feature with a string default', withFeature({ type: 'int', default: 'abc' }), 'body.definition.features[0].default'],
  ['an int feature with a float default', withFeature({ type: 'int', default: 1.5 }), 'body.definition.features[0].default'],
  ['a bool feature with a numeric default', withFeature({ type: 'bool', default: 0 }), 'body.definition.features[0].default'],
  ['a float feature with a default DynamoDB cannot store', withFeature({ type: 'float', default: 1e-300 }), 'body.definition.features[0].default'],
  ['a version record over 400 KB from its transformation code', { ...row({}), transformation: { kind: 'sql', ref: 'r', code: 'x'.repeat(420 * KB) } }, 'body.transformation.code'],
  ['a version record over 400 KB from many sources', { ...row({}), sources: Array.from({ length: 3000 }, (_, i) => ({ uri: `s3://b/${i}/${'s'.repeat(150)}` })) }, 'body.sources'],
  [
    'a version record over 400 KB from feature descriptions',
    { definition: { entity: 'id', features: Array.from({ length: 450 }, (_, i) => ({ name: `f${i}`, type: 'int', description: 'd'.repeat(1000) })) }, rows: [{ id: 'a' }] },
    'body.definition.features',
  ],
  ['a validation threshold DynamoDB cannot store', { ...row({}), validation: { defaults: { psi: { warnAbove: 1e-200 } } } }, 'body.validation.defaults.psi.warnAbove'],
];

describe.each(cases)('%s', (_name, body, field) => {
  it.each([
    ['a view never deployed', () => fresh],
    ['a view with a version', () => existing],
  ])(`answers 400 naming ${field}, audits the refusal and writes nothing else (%s)`, async (_which, target) => {
    const view = target();
    const before = await rewind.dump();
    const reply = await deployer.post(`/views/${view}/versions`, body);
    expect(reply.status).toBe(400);
    expect(reply.body.error.field).toBe(field);
    const after = await rewind.dump();
    // Nothing is written but the refusal's record, which lives in the refusal log (left out of dumps).
    expect(writesOtherThanAudit(before, after)).toEqual({});
    expect(added(before.tables.audit as string[], after.tables.audit as string[])).toEqual([]);
    const [refusal] = (await deployer.get(`/audit?view=${view}&actor=${encodeURIComponent(deployer.sub)}&limit=1`)).body.entries;
    expect(refusal).toMatchObject({ action: 'deploy', outcome: 'denied', actor: deployer.sub, view });
    expect(refusal.detail.field).toBe(field);
    // The view it aimed at is listed only if it was before.
    const listed = (await deployer.get('/views')).body.views.map((v: { view?: string; name?: string } | string) => (typeof v === 'string' ? v : (v.view ?? v.name)));
    expect(listed.includes(fresh)).toBe(false);
    expect((await deployer.get(`/views/${fresh}`)).status).toBe(404);
  });
});

it('serving refuses an entity key over the key limit with 400 naming it, not a 500 from DynamoDB', async () => {
  const reply = await deployer.get(`/online/${existing}/${encodeURIComponent('é'.repeat(1000))}`);
  expect(reply.status).toBe(400);
  expect(reply.body.error.field).toBe('path.entity');
});

it('accepts what is at the limits: a 1024-byte entity key, floats at ±1E-130 and ±(2^53 − 1), a row just under 400 KB', async () => {
  const entity = 'é'.repeat(512);
  const body = {
    definition: userProfile,
    rows: [
      { user_id: entity, avg_basket: 1e-130, age: Number.MAX_SAFE_INTEGER },
      { user_id: 'big', avg_basket: -Number.MAX_SAFE_INTEGER, country: 'x'.repeat(390 * KB) },
    ],
  };
  const reply = await deployer.post(`/views/${existing}/versions`, body);
  expect(reply.status).toBe(201);
  expect((await deployer.post(`/views/${existing}/activate`, { version: reply.body.version })).status).toBe(200);
  const served = await deployer.get(`/online/${existing}/${encodeURIComponent(entity)}`);
  expect(served.status).toBe(200);
  expect(served.body.features).toMatchObject({ avg_basket: 1e-130, age: Number.MAX_SAFE_INTEGER });
});

/** Everything that changed outside the audit table, by table ('objects' for the bucket). */
function writesOtherThanAudit(before: Awaited<ReturnType<TestRewind['dump']>>, after: Awaited<ReturnType<TestRewind['dump']>>): Record<string, unknown> {
  const changed: Record<string, unknown> = {};
  for (const [table, items] of Object.entries(after.tables)) {
    if (table === 'audit' || table === 'auditHeads') continue;
    if (JSON.stringify(items) !== JSON.stringify(before.tables[table])) changed[table] = added(before.tables[table] as string[], items as string[]);
  }
  if (JSON.stringify(after.objects) !== JSON.stringify(before.objects)) changed.objects = added(before.objects, after.objects);
  return changed;
}

function added(before: string[] = [], after: string[] = []): string[] {
  const had = new Set(before);
  return after.filter((x) => !had.has(x));
}
