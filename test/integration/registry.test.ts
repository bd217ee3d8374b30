/** The DynamoDB table ports against DynamoDB Local: what they promise beyond the use-case suites. */
import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { DEFAULT_POLICY } from '../../core/access-policy';
import { changePolicy } from '../../core/access-policy-store';
import { activateVersion, rollbackView } from '../../core/pointer-changes';
import { createDeps } from '../../store';
import { createDocumentClient } from '../../store/clients';
import { storeConfigFromEnv } from '../../store/config';
import { createTablePorts } from '../../store/dynamo-ports';
import { deployBody } from '../support/fixtures';
import { eventually, startTestRewind, type TestRewind } from '../support/rewind';

let rewind: TestRewind;
let view: string;
beforeAll(async () => {
  rewind = await startTestRewind('registry');
  view = rewind.view('cached');
  const dev = await rewind.as('dev', ['deployer']);
  expect((await dev.post(`/views/${view}/versions`, deployBody(1, 3))).status).toBe(201);
});
afterAll(() => rewind.stop());

/** Table ports of their own on the suite's tables (their own client, so calls can be counted). */
const registryOn = (db: ReturnType<typeof createDocumentClient>) =>
  createTablePorts(db, {
    versions: rewind.env.REWIND_VERSIONS_TABLE!,
    pointers: rewind.env.REWIND_POINTERS_TABLE!,
    history: rewind.env.REWIND_HISTORY_TABLE!,
    audit: rewind.env.REWIND_AUDIT_TABLE!,
  });

it('reads an immutable version record from DynamoDB once, and hands out copies', async () => {
  const db = createDocumentClient();
  const send = jest.spyOn(db, 'send'); // counts calls; every call still reaches DynamoDB
  const registry = registryOn(db).catalog;
  const gets = () => send.mock.calls.filter(([command]) => command instanceof GetCommand).length;

  const first = await registry.getVersion(view, 1);
  first!.changelog = 'edited by a careless caller';
  const second = await registry.getVersion(view, 1);
  expect(gets()).toBe(1);
  expect(second!.changelog).toBe('seed 1');

  // A miss is not remembered: the version may be written later.
  expect(await registry.getVersion(view, 2)).toBeUndefined();
  expect(await registry.getVersion(view, 2)).toBeUndefined();
  expect(gets()).toBe(3);
  db.destroy();
});

it('fails at once, naming the item, when a write is refused for a reason other than a lost race', async () => {
  const db = createDocumentClient();
  const send = jest.spyOn(db, 'send'); // counts calls; every call still reaches DynamoDB
  const registry = registryOn(db).catalog;
  const existing = (await registry.getVersion(view, 1))!;
  // Version records are written once: writing version 1 again is refused by its condition,
  // and retrying (as for a contended audit chain) could never succeed.
  await expect(registry.putVersion(existing, { actor: `test.${rewind.tag}`, action: 'deploy', outcome: 'allowed', view })).rejects.toThrow(
    /refused the write .*version: ConditionalCheckFailed/,
  );
  expect(send.mock.calls.filter(([command]) => command instanceof TransactWriteCommand)).toHaveLength(1);
  db.destroy();
});

it('rolls back with one round of reads issued together and one TransactWriteItems, then with fewer reads while the policy stays in force', async () => {
  const rolled = rewind.view('round-trips');
  const dev = await rewind.as('dev', ['deployer']);
  for (const seed of [1, 2]) expect((await dev.post(`/views/${rolled}/versions`, deployBody(seed, 3))).status).toBe(201);
  for (const version of [1, 2]) expect((await dev.post(`/views/${rolled}/activate`, { version })).status).toBe(200);
  const db = createDocumentClient();
  const deps = createDeps(storeConfigFromEnv(rewind.env), db);
  // Version records are immutable and cached per container: a warm container has read them.
  await Promise.all([deps.catalog.getVersion(rolled, 1), deps.catalog.getVersion(rolled, 2)]);
  // Records when each call is sent and when it comes back; every call still reaches DynamoDB.
  let events: string[] = [];
  const send = db.send.bind(db) as (command: unknown) => Promise<unknown>;
  jest.spyOn(db, 'send').mockImplementation((async (command: { constructor: { name: string } }) => {
    events.push(`> ${command.constructor.name}`);
    try {
      return await send(command);
    } finally {
      events.push(`< ${command.constructor.name}`);
    }
  }) as never);
  const sent = () => events.filter((e) => e.startsWith('>'));
  const firstRound = () => events.slice(0, events.findIndex((e) => e.startsWith('<'))).sort();

  const done = await rollbackView(deps, dev.sub, rolled, { toVersion: 1, reason: 'counted' });
  expect(done).toMatchObject({ changed: true, toVersion: 1 });
  // The pointer, the audit chain's head, the policy (this container has judged nothing yet).
  // No approvals (a standard view asks for none) and no materialization state (the
  // transaction checks it).
  expect(firstRound()).toEqual(['> GetCommand', '> QueryCommand', '> QueryCommand']);
  expect(sent().slice(3)).toEqual(['> TransactWriteCommand']);

  // Each rollback's runbook appends to the view's audit chain a moment later: let it finish, so
  // that its append never races the next change's and costs that change a retry.
  const runbooksDone = () => eventually(() => dev.get(`/views/${rolled}/history`), (r) => r.body.history.every((h: any) => h.action !== 'rollback' || h.followUp));
  await runbooksDone();
  // The next change is judged by the remembered revision, which its transaction checks.
  await activateVersion(deps, dev.sub, rolled, { version: 2 });
  events = [];
  await rollbackView(deps, dev.sub, rolled, { toVersion: 1, reason: 'counted again' });
  expect(firstRound()).toEqual(['> GetCommand', '> QueryCommand']);
  expect(sent().slice(2)).toEqual(['> TransactWriteCommand']);
  await runbooksDone();

  // A revision stored since (by another container, say): the transaction is refused by its
  // policy check, writes nothing, and the change is judged again by the revision now in force.
  await activateVersion(deps, dev.sub, rolled, { version: 2 });
  const other = createDeps(storeConfigFromEnv(rewind.env));
  expect(await changePolicy(other, `root.${rewind.tag}`, { document: DEFAULT_POLICY, breakGlassReason: 'a new revision, same rules' })).toMatchObject({ kind: 'applied' });
  const before = (await deps.pointers.getPointer(rolled))!;
  events = [];
  const again = await rollbackView(deps, dev.sub, rolled, { toVersion: 1, reason: 'under the new revision' });
  expect(again).toMatchObject({ changed: true, toVersion: 1, pointer: { revision: before.revision + 1 } });
  expect(sent().filter((e) => e === '> TransactWriteCommand')).toHaveLength(2);
  const history = await deps.pointers.history(rolled, 2);
  expect(history.map((h) => h.revision)).toEqual([before.revision + 1, before.revision]);
  // And now remembered: no policy read.
  await runbooksDone();
  await activateVersion(deps, dev.sub, rolled, { version: 2 });
  events = [];
  await rollbackView(deps, dev.sub, rolled, { toVersion: 1, reason: 'remembered' });
  expect(firstRound()).toEqual(['> GetCommand', '> QueryCommand']);
  db.destroy();
});
