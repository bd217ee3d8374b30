/** The DynamoDB table ports against DynamoDB Local: what they promise beyond the use-case suites. */
import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../../store/clients';
import { createTablePorts } from '../../store/dynamo-ports';
import { deployBody } from '../support/fixtures';
import { startTestRewind, type TestRewind } from '../support/rewind';

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
