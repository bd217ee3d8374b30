/**
 * The spine's benchmarks, measured side by side in one run against DynamoDB Local and s3rver:
 * rollback latency at 1,000 and 100,000 rows (O(1) in rows), the same rollback done the way a
 * plain feature store does it (re-write the previous version's rows), serving overhead of the
 * handler over a bare GetItem, and materialization throughput against its ceilings.
 */
import { GetCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import { createDocumentClient, createS3Client } from '../store/clients';
import { lambdaContext } from '../local/gateway';
import { startLocalRewind, type LocalRewind } from '../local/runtime';
import { mintToken } from '../local/tokens';
import { batchWriteAll, definition, row } from './fixture';
import { median, peakRssMb, quantile, round, timed } from './measure';

export interface SpineOptions {
  largeRows: number;
  smallRows: number;
  rollbackRuns: number;
  plainRollbackRuns: number;
  servingRuns: number;
  singlePutRows: number;
}

export const DEFAULT_SPINE: SpineOptions = {
  largeRows: 100_000,
  smallRows: 1_000,
  rollbackRuns: 30,
  plainRollbackRuns: 3,
  servingRuns: 2_000,
  singlePutRows: 2_000,
};

class Api {
  constructor(
    private readonly url: string,
    private readonly token: string,
  ) {}
  async call(method: string, path: string, body?: unknown): Promise<any> {
    const res = await fetch(this.url + path, {
      method,
      headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const json = await res.json();
    if (res.status >= 300) throw new Error(`${method} ${path} → ${res.status} ${JSON.stringify(json)}`);
    return json;
  }
}

/** Uploads `rows` rows as JSON lines and deploys them: the path a large deploy takes. */
async function deployLarge(rewind: LocalRewind, api: Api, view: string, rows: number, seed: number): Promise<any> {
  const s3 = createS3Client({ forcePathStyle: true });
  const lines: string[] = new Array(rows);
  for (let i = 0; i < rows; i++) lines[i] = JSON.stringify(row(i, seed));
  const key = `bench/${view}-${seed}.jsonl`;
  await s3.send(new PutObjectCommand({ Bucket: rewind.env.REWIND_SNAPSHOT_BUCKET, Key: key, Body: lines.join('\n') }));
  s3.destroy();
  return api.call('POST', `/views/${view}/versions`, { definition, snapshotUri: `s3://${rewind.env.REWIND_SNAPSHOT_BUCKET}/${key}` });
}

async function rollbackLatencies(api: Api, view: string, runs: number, extra: Record<string, unknown> = {}): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    await api.call('POST', `/views/${view}/activate`, { version: 2, reason: 'bench: bad version goes live' });
    const { ms } = await timed(() => api.call('POST', `/views/${view}/rollback`, { toVersion: 1, reason: 'bench', ...extra }));
    samples.push(ms);
  }
  return samples;
}

/**
 * The floor under a rollback: one bare TransactWriteItems of the items a rollback writes (the
 * pointer conditioned on its revision, the history entry, the audit entry and its chain's
 * head, each under its condition) and, `withChecks`, the two ConditionChecks it carries (the
 * target is `materialized`, the policy revision it was judged by is still the newest): the
 * same six items. On the same tables, with nothing read first. What a rollback costs above
 * this is its reads, its code and the HTTP edge.
 */
class BareRollbackTransaction {
  private revision = 0;
  constructor(
    private readonly db: ReturnType<typeof createDocumentClient>,
    private readonly tables: { pointers: string; history: string; audit: string; versions: string },
    private readonly withChecks: boolean,
    private readonly view = withChecks ? 'bench-bare-transaction-checked' : 'bench-bare-transaction',
  ) {}
  private checks(): Record<string, unknown>[] {
    if (!this.withChecks) return [];
    return [
      {
        ConditionCheck: {
          TableName: this.tables.versions,
          Key: { view: this.view, sk: 'M#0000000001' },
          ConditionExpression: '#state = :materialized',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':materialized': 'materialized' },
        },
      },
      // The bench stores no policy: revision 0 is in force while no revision 1 exists.
      { ConditionCheck: { TableName: this.tables.versions, Key: { view: '#policy', sk: 'V#0000000001' }, ConditionExpression: 'attribute_not_exists(sk)' } },
    ];
  }
  async once(): Promise<number> {
    if (this.revision === 0 && this.withChecks)
      await this.db.send(new PutCommand({ TableName: this.tables.versions, Item: { view: this.view, sk: 'M#0000000001', state: 'materialized' } }));
    const revision = this.revision + 1;
    const at = new Date().toISOString();
    const pointer = { view: this.view, stable: revision % 2 ? 1 : 2, previousStable: [1], rolledBack: [2], disabledFeatures: [], revision, updatedAt: at, updatedBy: 'bench' };
    const chain = `view:${this.view}`;
    const hash = '0'.repeat(64);
    const { ms } = await timed(() =>
      this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tables.pointers,
                Item: pointer,
                ...(this.revision === 0
                  ? { ConditionExpression: 'attribute_not_exists(#view)', ExpressionAttributeNames: { '#view': 'view' } }
                  : { ConditionExpression: '#revision = :expected', ExpressionAttributeNames: { '#revision': 'revision' }, ExpressionAttributeValues: { ':expected': this.revision } }),
              },
            },
            {
              Put: {
                TableName: this.tables.history,
                Item: { view: this.view, revision, action: 'rollback', actor: 'bench', at, fromVersion: 2, toVersion: 1, before: null, after: pointer, auditId: `${chain}#${revision}` },
                ConditionExpression: 'attribute_not_exists(#revision)',
                ExpressionAttributeNames: { '#revision': 'revision' },
              },
            },
            ...this.checks(),
            {
              Put: {
                TableName: this.tables.audit,
                Item: { chain, seq: revision, id: `${chain}#${revision}`, at, actor: 'bench', action: 'rollback', outcome: 'allowed', view: this.view, prevHash: hash, hash },
                ConditionExpression: 'attribute_not_exists(#seq)',
                ExpressionAttributeNames: { '#seq': 'seq' },
              },
            },
            {
              Put: {
                TableName: this.tables.audit,
                Item: { chain: `${chain}#head`, seq: 1, lastSeq: revision, lastHash: hash, at, prevHash: hash, hash },
                ...(this.revision === 0
                  ? { ConditionExpression: 'attribute_not_exists(#seq)', ExpressionAttributeNames: { '#seq': 'seq' } }
                  : { ConditionExpression: '#lastSeq = :expected', ExpressionAttributeNames: { '#lastSeq': 'lastSeq' }, ExpressionAttributeValues: { ':expected': this.revision } }),
              },
            },
          ],
        }),
      ),
    );
    this.revision = revision;
    return ms;
  }
}

/** The plain feature store: one online table keyed by entity, rollback = re-write every row. */
async function plainRollback(table: string, rows: number, concurrency: number): Promise<number> {
  const db = createDocumentClient();
  const items = Array.from({ length: rows }, (_, i) => {
    const { user_id, ...values } = row(i, 1);
    return { entity: user_id, v: values };
  });
  const { ms } = await timed(() => batchWriteAll(db, table, items, concurrency));
  db.destroy();
  return ms;
}

async function createBareTable(rewind: LocalRewind, name: string, key: string): Promise<void> {
  const client = new DynamoDBClient({});
  await client.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: key, AttributeType: 'S' }],
      KeySchema: [{ AttributeName: key, KeyType: 'HASH' }],
    }),
  );
  client.destroy();
  void rewind;
}

export async function benchSpine(options: SpineOptions = DEFAULT_SPINE, log: (line: string) => void = console.log) {
  // This bench measures the synchronous deploy path: its file must not be routed to a job
  // (REWIND_SYNC_DEPLOY_MAX_ROWS, 50,000 by default; bench/deploy-jobs.ts measures jobs).
  process.env.REWIND_SYNC_DEPLOY_MAX_ROWS ??= String(options.largeRows);
  const rewind = await startLocalRewind({ port: 0, pointerCacheMs: 1000 });
  const token = await mintToken(rewind.jwtSecret, { sub: 'bench', roles: ['admin'] });
  const api = new Api(rewind.url, token);
  try {
    // --- materialization: DynamoDB Local is a JVM and writes far slower until it is warm,
    // so warm it first; then the bare-table ceiling and the deploy run back to back ---
    log('warming DynamoDB Local up…');
    await createBareTable(rewind, 'bench-warmup', 'entity');
    await plainRollback('bench-warmup', Math.min(options.largeRows, 30_000), 8);

    log('bare-table ceiling: 8 concurrent BatchWriteItem…');
    await createBareTable(rewind, 'bench-bare', 'entity');
    const ceilingBeforeMs = await plainRollback('bench-bare', options.largeRows, 8);

    log(`deploying ${options.largeRows} rows (v1 of 'large')…`);
    const large1 = await deployLarge(rewind, api, 'large', options.largeRows, 1);
    const deployRowsPerS = options.largeRows / (large1.materialized.ms / 1000);
    log(`deploying ${options.largeRows} rows (v2 of 'large')…`);
    await deployLarge(rewind, api, 'large', options.largeRows, 2);
    log(`deploying ${options.smallRows} rows twice ('small')…`);
    await deployLarge(rewind, api, 'small', options.smallRows, 1);
    await deployLarge(rewind, api, 'small', options.smallRows, 2);
    await api.call('POST', '/views/large/activate', { version: 1 });
    await api.call('POST', '/views/small/activate', { version: 1 });

    // DynamoDB Local keeps getting faster as its JVM warms: measure the ceiling again after
    // the deploys and keep the faster run, so the deploy is compared with the warmest table.
    log('bare-table ceiling again, warm…');
    await createBareTable(rewind, 'bench-bare-2', 'entity');
    const ceilingAfterMs = await plainRollback('bench-bare-2', options.largeRows, 8);
    const ceilingRowsPerS = options.largeRows / (Math.min(ceilingBeforeMs, ceilingAfterMs) / 1000);

    log(`one PutItem at a time (${options.singlePutRows} rows)…`);
    await createBareTable(rewind, 'bench-single', 'entity');
    const db = createDocumentClient();
    const single = await timed(async () => {
      for (let i = 0; i < options.singlePutRows; i++) {
        const { user_id, ...v } = row(i, 3);
        await db.send(new PutCommand({ TableName: 'bench-single', Item: { entity: user_id, v } }));
      }
    });
    const singleRowsPerS = options.singlePutRows / (single.ms / 1000);

    // --- rollback latency, ours, at both sizes, interleaved so drift hits both equally ---
    log(`rollback latency: ${options.rollbackRuns} runs at each size…`);
    const smallSamples: number[] = [];
    const largeSamples: number[] = [];
    const bareTransactionSamples: number[] = [];
    const bareWritesSamples: number[] = [];
    const bareDb = createDocumentClient();
    const tables = {
      pointers: rewind.env.REWIND_POINTERS_TABLE!,
      history: rewind.env.REWIND_HISTORY_TABLE!,
      audit: rewind.env.REWIND_AUDIT_TABLE!,
      versions: rewind.env.REWIND_VERSIONS_TABLE!,
    };
    const bareTransaction = new BareRollbackTransaction(bareDb, tables, true);
    const bareWrites = new BareRollbackTransaction(bareDb, tables, false);
    // The first creates the items the others are conditioned on.
    await bareTransaction.once();
    await bareWrites.once();
    // The same rollback through its handler in this process, with no local HTTP gateway in
    // front: what Rewind itself adds over the transaction (API Gateway's hop is AWS's, not ours).
    const { handler: rollbackHandler } = await import('../functions/rollback');
    const rollbackContext: Context = lambdaContext({ handler: 'rollback' });
    const rollbackEvent = (view: string) =>
      ({
        version: '2.0',
        routeKey: 'POST /views/{view}/rollback',
        rawPath: `/views/${view}/rollback`,
        pathParameters: { view },
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ toVersion: 1, reason: 'bench', blastRadius: 'link' }),
        requestContext: { authorizer: { jwt: { claims: { sub: 'bench', roles: '[admin]' } } }, http: { method: 'POST', path: `/views/${view}/rollback` } },
        isBase64Encoded: false,
      }) as never;
    const handlerRollbackSamples: number[] = [];
    // The answer without the blast-radius report inline (`blastRadius: 'link'`): the way back itself.
    const linkSamples: number[] = [];
    // One consistent GetItem of the pointer: with the bare transaction, the floor of the shape
    // a rollback has (one round of reads issued together, then one TransactWriteItems).
    const bareReadSamples: number[] = [];
    for (let i = 0; i < options.rollbackRuns; i++) {
      smallSamples.push(...(await rollbackLatencies(api, 'small', 1)));
      largeSamples.push(...(await rollbackLatencies(api, 'large', 1)));
      linkSamples.push(...(await rollbackLatencies(api, 'small', 1, { blastRadius: 'link' })));
      bareTransactionSamples.push(await bareTransaction.once());
      bareWritesSamples.push(await bareWrites.once());
      await api.call('POST', '/views/small/activate', { version: 2, reason: 'bench: bad version goes live' });
      const viaHandler = await timed(() => rollbackHandler(rollbackEvent('small'), rollbackContext));
      if ((viaHandler.value as { statusCode: number }).statusCode !== 200) throw new Error(`rollback failed: ${JSON.stringify(viaHandler.value)}`);
      handlerRollbackSamples.push(viaHandler.ms);
      bareReadSamples.push((await timed(() => bareDb.send(new GetCommand({ TableName: tables.pointers, Key: { view: 'small' }, ConsistentRead: true })))).ms);
    }
    bareDb.destroy();

    // --- the plain feature store's rollback: re-write the previous version's rows ---
    log(`plain feature store rollback: re-writing ${options.largeRows} rows × ${options.plainRollbackRuns}…`);
    await createBareTable(rewind, 'bench-plain', 'entity');
    const plainSamples: number[] = [];
    for (let i = 0; i < options.plainRollbackRuns; i++) plainSamples.push(await plainRollback('bench-plain', options.largeRows, 8));

    // --- serving overhead: the handler vs a bare GetItem on the same item ---
    log(`serving overhead: ${options.servingRuns} calls each…`);
    const { handler } = await import('../functions/get-online');
    const context: Context = lambdaContext({ handler: 'get-online' });
    const event = (entity: string) =>
      ({
        version: '2.0',
        routeKey: 'GET /online/{view}/{entity}',
        rawPath: `/online/large/${entity}`,
        pathParameters: { view: 'large', entity },
        requestContext: { authorizer: { jwt: { claims: { sub: 'bench', roles: '[viewer]' } } } },
        isBase64Encoded: false,
      }) as never;
    const handlerSamples: number[] = [];
    const bareSamples: number[] = [];
    for (let i = 0; i < options.servingRuns + 200; i++) {
      const entity = `u${(i * 7919) % options.largeRows}`;
      const viaHandler = () => timed(() => handler(event(entity), context));
      const bare = () => timed(() => db.send(new GetCommand({ TableName: rewind.env.REWIND_ONLINE_TABLE, Key: { pk: `large#1#${entity}` } })));
      const [a, b] = i % 2 === 0 ? [await viaHandler(), await bare()] : [await bare(), await viaHandler()].reverse();
      if ((a.value as { statusCode: number }).statusCode !== 200) throw new Error(`serving failed: ${JSON.stringify(a.value)}`);
      if (i >= 200) (handlerSamples.push(a.ms), bareSamples.push(b.ms)); // first 200 warm up
    }
    db.destroy();

    const rollback = {
      smallRows: options.smallRows,
      largeRows: options.largeRows,
      runs: options.rollbackRuns,
      smallMedianMs: round(median(smallSamples)),
      smallP99Ms: round(quantile(smallSamples, 0.99)),
      largeMedianMs: round(median(largeSamples)),
      largeP99Ms: round(quantile(largeSamples, 0.99)),
      largeOverSmallMedianRatio: round(median(largeSamples) / median(smallSamples), 3),
      /** A bare TransactWriteItems of the same six items a rollback writes, on the same tables. */
      bareTransactionItems: 6,
      bareTransactionMedianMs: round(median(bareTransactionSamples)),
      /** Rollback (1,000 rows) over a bare TransactWriteItems of the same items on the same tables. */
      overBareTransactionRatio: round(median(smallSamples) / median(bareTransactionSamples), 3),
      /** The four writes alone (no ConditionChecks): the floor earlier runs compared with. */
      bareWritesMedianMs: round(median(bareWritesSamples)),
      overBareWritesRatio: round(median(smallSamples) / median(bareWritesSamples), 3),
      /** The same rollback answered with the blast radius's URL only (`blastRadius: 'link'`), through HTTP. */
      linkMedianMs: round(median(linkSamples)),
      linkOverBareTransactionRatio: round(median(linkSamples) / median(bareTransactionSamples), 3),
      /** The rollback through its handler in process (no local HTTP gateway, `blastRadius: 'link'`), same runs. */
      handlerMedianMs: round(median(handlerRollbackSamples)),
      handlerOverBareTransactionRatio: round(median(handlerRollbackSamples) / median(bareTransactionSamples), 3),
      /** One consistent GetItem + the bare transaction: the floor of one read round then one transaction. */
      bareReadMedianMs: round(median(bareReadSamples)),
      shapeFloorRatio: round((median(bareReadSamples) + median(bareTransactionSamples)) / median(bareTransactionSamples), 3),
    };
    const plain = {
      rows: options.largeRows,
      runs: options.plainRollbackRuns,
      medianMs: round(median(plainSamples)),
      ratioToRewind: round(median(plainSamples) / median(largeSamples), 1),
    };
    const serving = {
      runs: options.servingRuns,
      handlerMedianMs: round(median(handlerSamples), 3),
      bareGetItemMedianMs: round(median(bareSamples), 3),
      handlerP99Ms: round(quantile(handlerSamples, 0.99), 3),
      bareGetItemP99Ms: round(quantile(bareSamples, 0.99), 3),
      medianRatio: round(median(handlerSamples) / median(bareSamples), 3),
    };
    const materialization = {
      rows: options.largeRows,
      deployRowsPerS: Math.round(deployRowsPerS),
      deployMaterializeMs: large1.materialized.ms,
      bareCeilingRowsPerS: Math.round(ceilingRowsPerS),
      singlePutRowsPerS: Math.round(singleRowsPerS),
      speedupOverSinglePut: round(deployRowsPerS / singleRowsPerS, 1),
      fractionOfCeiling: round(deployRowsPerS / ceilingRowsPerS, 2),
      peakRssMb: peakRssMb(),
    };
    return { rollback, plain, serving, materialization };
  } finally {
    await rewind.stop();
  }
}
