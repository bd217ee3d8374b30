/**
 * `kill -9` in the middle of an operation, then a restart on the same data: the harness behind
 * test/faults/kill9*.ts. The runtime runs as `npm start` does (test/support/runtime-process.ts),
 * on a data directory and pinned ports of its own so that the restart finds the same DynamoDB
 * Local data and s3rver objects. The moment to kill is found by polling what the operation has
 * written so far (online rows of a version in the child's DynamoDB Local), never by a sleep.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { freePort, waitUntil } from '../../local/tcp-ports';
import { caller, type Caller } from '../support/rewind';
import { kill9, start, stop, type Started } from '../support/runtime-process';

export interface CrashableRewind {
  dataDir: string;
  current: Started;
  api: Caller;
  /** Starts the runtime on the same data directory and ports (after a kill -9 or a stop). */
  restart(): Promise<void>;
  /** Online rows stored for `view` at `version`, counted in the child's DynamoDB Local. */
  onlineRows(view: string, version: number): Promise<number>;
  /**
   * Sends `request` and, as soon as `progressed` sees the operation under way, kills the
   * process with SIGKILL; then restarts it. Fails if the request finished before the kill
   * (the crash would then prove nothing). Returns how far it had got.
   */
  killDuring(request: (api: Caller) => Promise<unknown>, progressed: () => Promise<boolean>, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startCrashableRewind(): Promise<CrashableRewind> {
  const dataDir = mkdtempSync(join(tmpdir(), 'rewind-crash-'));
  const [port, dynamoPort, s3Port] = [await freePort(), await freePort(), await freePort()];
  const env = { PORT: String(port), REWIND_DATA_DIR: dataDir, REWIND_DYNAMODB_PORT: String(dynamoPort), REWIND_S3_PORT: String(s3Port), POWERTOOLS_LOG_LEVEL: 'SILENT' };
  const harness: CrashableRewind = {
    dataDir,
    current: await start(env),
    api: undefined as unknown as Caller,
    async restart() {
      harness.current = await start(env);
      harness.api = caller(harness.current.url, harness.current.sub, harness.current.token);
    },
    async onlineRows(view, version) {
      // The online table's own DynamoDB Local: npm start keeps it in memory, a new one each start.
      const dynamo = new DynamoDBClient({ endpoint: harness.current.onlineDynamoEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
      let count = 0;
      let ExclusiveStartKey: Record<string, any> | undefined;
      try {
      do {
        const page = await dynamo.send(
          new ScanCommand({
            TableName: 'rewind-online',
            Select: 'COUNT',
            FilterExpression: 'begins_with(pk, :p)',
            ExpressionAttributeValues: { ':p': { S: `${view}#${version}#` } },
            ExclusiveStartKey,
          }),
        );
        count += page.Count ?? 0;
        ExclusiveStartKey = page.LastEvaluatedKey;
      } while (ExclusiveStartKey);
      } finally {
        dynamo.destroy();
      }
      return count;
    },
    async killDuring(request, progressed, timeoutMs = 30_000) {
      let finished = false;
      const sent = request(harness.api).then(
        () => (finished = true),
        () => undefined, // the connection dies with the process
      );
      await waitUntil(async () => finished || (await progressed()), 'the operation to be under way', timeoutMs, 5);
      if (finished) throw new Error('the operation finished before it could be interrupted: make it bigger');
      await kill9(harness.current);
      await sent;
      // The watchdog stops DynamoDB Local once its parent is gone; the restart needs its port.
      await harness.restart();
    },
    async close() {
      if (harness.current.child.exitCode === null && harness.current.child.signalCode === null) await stop(harness.current);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  harness.api = caller(harness.current.url, harness.current.sub, harness.current.token);
  return harness;
}

export interface ServedCheck {
  /** Each served version (stable, candidate) and the entities of its snapshot NOT found when read. */
  served: { version: number; arm: 'stable' | 'candidate'; missing: string[] }[];
  auditOk: boolean;
  auditProblems: unknown[];
  /** The pointer's revision and the number of history entries: equal when no change is half-made. */
  revision: number;
  historyEntries: number;
}

/**
 * What a restarted runtime serves for `view`: every served version read back entity by entity
 * (`entities(version)` lists the entities of its snapshot), the audit verification, and the
 * pointer's revision against its history.
 */
export async function checkServed(api: Caller, view: string, entities: (version: number) => string[]): Promise<ServedCheck> {
  const { pointer } = (await api.get(`/views/${view}`)).body as { pointer: { stable: number | null; candidate?: { version: number } | null; revision: number } };
  const arms: { version: number; arm: 'stable' | 'candidate' }[] = [];
  if (pointer.stable != null) arms.push({ version: pointer.stable, arm: 'stable' });
  if (pointer.candidate) arms.push({ version: pointer.candidate.version, arm: 'candidate' });
  const served: ServedCheck['served'] = [];
  for (const { version, arm } of arms) {
    const missing: string[] = [];
    for (const entity of entities(version)) {
      const got = (await api.get(`/online/${view}/${entity}`)).body as { version: number; found: boolean; arm?: string };
      // A canary's entity may be served by the other arm; only rows of this arm's version count.
      if (got.version === version && !got.found) missing.push(entity);
    }
    served.push({ version, arm, missing });
  }
  const verify = (await api.get('/audit/verify')).body as { ok: boolean; problems: unknown[] };
  const history = (await api.get(`/views/${view}/history?limit=1000`)).body as { history: unknown[] };
  return { served, auditOk: verify.ok, auditProblems: verify.problems, revision: pointer.revision, historyEntries: history.history.length };
}
