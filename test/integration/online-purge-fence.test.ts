/**
 * The purge of an online table reached through its own endpoint (the local runtime's in-memory
 * DynamoDB Local, REWIND_ONLINE_DYNAMODB_ENDPOINT), where no transaction can span the online
 * and the versions tables: DynamoOnlineStore fences it through a `fence` item in the online
 * table (docs/storage.md). Against DynamoDB Local; both clients reach the same emulator here,
 * which the fenced path treats exactly as two endpoints (it never puts the two tables in one
 * transaction). The rebuild that lands between two delete batches is injected at that point by
 * wrapping the online client's `send`: a real write, at a chosen moment, not a mocked answer.
 */
import { GetCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { PurgeInterruptedError } from '../../core/materialize';
import type { FeatureRow } from '../../core/rows';
import { createDocumentClient } from '../../store/clients';
import { DynamoOnlineStore, onlineKey } from '../../store/dynamo-online';
import { materializationSk } from '../../store/dynamo-query';
import { startTestRewind, type TestRewind } from '../support/rewind';

let rewind: TestRewind;
let db: DynamoDBDocumentClient;
beforeAll(async () => {
  rewind = await startTestRewind('online-fence');
  db = createDocumentClient();
});
afterAll(async () => {
  db.destroy();
  await rewind.stop();
});

const ROWS: FeatureRow[] = Array.from({ length: 250 }, (_, i) => ({ entity: `u${i}`, values: { age: i } }));
const tables = () => ({ online: rewind.env.REWIND_ONLINE_TABLE!, versions: rewind.env.REWIND_VERSIONS_TABLE! });

function fencedStore(onlineDb: DynamoDBDocumentClient) {
  return new DynamoOnlineStore(onlineDb, tables().online, { materializations: { table: tables().versions, key: materializationSk, db } });
}

async function setState(view: string, version: number, state: string): Promise<void> {
  await db.send(new UpdateCommand({ TableName: tables().versions, Key: { view, sk: materializationSk(version) }, UpdateExpression: 'SET #s = :s', ExpressionAttributeNames: { '#s': 'state' }, ExpressionAttributeValues: { ':s': state } }));
}

async function present(view: string, version: number): Promise<number> {
  let found = 0;
  for (const row of ROWS) if ((await db.send(new GetCommand({ TableName: tables().online, Key: { pk: onlineKey(view, version, row.entity) } }))).Item) found++;
  return found;
}

it('deletes every row of a version that is `purging`', async () => {
  const view = rewind.view('fenced_plain');
  const store = fencedStore(db);
  await store.write(view, 1, ROWS);
  await setState(view, 1, 'purging');
  expect(await store.purge(view, 1, ROWS.map((r) => r.entity))).toBe(ROWS.length);
  expect(await present(view, 1)).toBe(0);
});

it('deletes nothing when the state is no longer `purging` (a rebuild claimed it first)', async () => {
  const view = rewind.view('fenced_claimed');
  const store = fencedStore(db);
  await store.write(view, 1, ROWS);
  await setState(view, 1, 'materializing');
  await expect(store.purge(view, 1, ROWS.map((r) => r.entity))).rejects.toBeInstanceOf(PurgeInterruptedError);
  expect(await present(view, 1)).toBe(ROWS.length);
});

it('stops at the next batch when a rebuild writes between two delete batches, and none of the rebuilt rows is deleted', async () => {
  const view = rewind.view('fenced_race');
  const writer = fencedStore(db);
  await writer.write(view, 1, ROWS);
  await setState(view, 1, 'purging');
  let batches = 0;
  // The online client of the purge: after its first delete batch lands, a rebuild claims the
  // version and writes every row again (a new fence first), as a rollback would.
  const racing = new Proxy(db, {
    get: (target, key) =>
      key === 'send'
        ? async (command: unknown) => {
            const batch = command instanceof TransactWriteCommand ? ++batches : 0;
            const out = await target.send(command as never);
            if (batch === 1) {
              await setState(view, 1, 'materializing');
              await writer.write(view, 1, ROWS);
            }
            return out;
          }
        : Reflect.get(target, key),
  });
  await expect(fencedStore(racing).purge(view, 1, ROWS.map((r) => r.entity))).rejects.toBeInstanceOf(PurgeInterruptedError);
  expect(batches).toBe(2); // the second batch was sent and refused by its fence check
  expect(await present(view, 1)).toBe(ROWS.length);
});
