/**
 * Where a rollback's time goes: every DynamoDB call the rollback route makes, counted and
 * timed (a middleware on the handlers' shared client, store/clients.ts documentClient), with
 * its start and end relative to the request, so sequential rounds show as separate waves.
 * Rollbacks through the HTTP API are measured side by side, interleaved, with bare
 * TransactWriteItems of the same shape on the same DynamoDB Local: the 4 items bench/spine.ts
 * compares with, and the 6 a rollback writes (those and its two ConditionChecks: the target
 * is materialized, the policy revision it was judged by is still the newest).
 *
 *   npx tsx bench/profile-rollback.ts [runs=30]
 */
import { GetCommand, PutCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { createDocumentClient, createS3Client, documentClient } from '../store/clients';
import { startLocalRewind, type LocalRewind } from '../local/runtime';
import { mintToken } from '../local/tokens';
import { median, printTable, round, timed } from './measure';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';

interface Call {
  command: string;
  /** What the call is about: its table's last name part and key or partition. */
  target: string;
  start: number;
  end: number;
}

const definition = {
  entity: 'user_id',
  features: [
    { name: 'age', type: 'int', default: 0 },
    { name: 'country', type: 'string', default: 'unknown' },
  ],
};

/** Every call the handlers' shared client sends while `recording` is set. */
function recordCalls(): { begin(): void; end(): Call[] } {
  let calls: Call[] | undefined;
  let t0 = 0;
  documentClient().middlewareStack.add(
    (next, context) => async (args) => {
      if (!calls) return next(args);
      const list = calls;
      const start = performance.now() - t0;
      try {
        return await next(args);
      } finally {
        list.push({ command: String(context.commandName).replace(/Command$/, ''), target: describe(args.input as Record<string, any>), start, end: performance.now() - t0 });
      }
    },
    { step: 'initialize', name: 'profileRollback' },
  );
  return {
    begin() {
      calls = [];
      t0 = performance.now();
    },
    end() {
      const out = calls ?? [];
      calls = undefined;
      return out;
    },
  };
}

function describe(input: Record<string, any>): string {
  const table = (name: unknown) => String(name ?? '').replace(/^.*-/, '');
  if (input.TransactItems) return `${input.TransactItems.length} items`;
  const key = input.Key ? Object.values(input.Key).join(' ') : String(Object.values(input.ExpressionAttributeValues ?? {}).join(' '));
  return `${table(input.TableName)} ${key}${input.ConsistentRead ? ' (consistent)' : ''}`;
}

async function deploy(rewind: LocalRewind, call: Api, view: string, seed: number): Promise<void> {
  const s3 = createS3Client({ forcePathStyle: true });
  const lines = Array.from({ length: 100 }, (_, i) => JSON.stringify({ user_id: `u${i}`, age: (i + seed) % 90, country: 'FR' }));
  const key = `profile/${view}-${seed}.jsonl`;
  await s3.send(new PutObjectCommand({ Bucket: rewind.env.REWIND_SNAPSHOT_BUCKET, Key: key, Body: lines.join('\n') }));
  s3.destroy();
  await call('POST', `/views/${view}/versions`, { definition, snapshotUri: `s3://${rewind.env.REWIND_SNAPSHOT_BUCKET}/${key}` });
}

type Api = (method: string, path: string, body?: unknown) => Promise<any>;

/** A bare TransactWriteItems of the rollback's shape: pointer, history, audit entry, head, and optionally its two ConditionChecks. */
function bareTransaction(db: ReturnType<typeof createDocumentClient>, env: Record<string, string>, view: string, withChecks: boolean) {
  let revision = 0;
  const checkKey = { view, sk: 'M#1' };
  return {
    async setUp() {
      if (withChecks) await db.send(new PutCommand({ TableName: env.REWIND_VERSIONS_TABLE, Item: { ...checkKey, state: 'materialized' } }));
    },
    async once(): Promise<number> {
      const next = revision + 1;
      const at = new Date().toISOString();
      const chain = `view:${view}`;
      const hash = '0'.repeat(64);
      const pointer = { view, stable: next % 2 ? 1 : 2, previousStable: [1], rolledBack: [2], disabledFeatures: [], revision: next, updatedAt: at, updatedBy: 'bench' };
      const first = revision === 0;
      const items: Record<string, unknown>[] = [
        {
          Put: {
            TableName: env.REWIND_POINTERS_TABLE,
            Item: pointer,
            ...(first
              ? { ConditionExpression: 'attribute_not_exists(#view)', ExpressionAttributeNames: { '#view': 'view' } }
              : { ConditionExpression: '#revision = :expected', ExpressionAttributeNames: { '#revision': 'revision' }, ExpressionAttributeValues: { ':expected': revision } }),
          },
        },
        {
          Put: {
            TableName: env.REWIND_HISTORY_TABLE,
            Item: { view, revision: next, action: 'rollback', actor: 'bench', at, fromVersion: 2, toVersion: 1, before: null, after: pointer, auditId: `${chain}#${next}` },
            ConditionExpression: 'attribute_not_exists(#revision)',
            ExpressionAttributeNames: { '#revision': 'revision' },
          },
        },
        ...(withChecks
          ? [
              {
                ConditionCheck: {
                  TableName: env.REWIND_VERSIONS_TABLE,
                  Key: checkKey,
                  ConditionExpression: '#state = :materialized',
                  ExpressionAttributeNames: { '#state': 'state' },
                  ExpressionAttributeValues: { ':materialized': 'materialized' },
                },
              },
              { ConditionCheck: { TableName: env.REWIND_VERSIONS_TABLE, Key: { view: '#policy', sk: 'V#0000000001' }, ConditionExpression: 'attribute_not_exists(sk)' } },
            ]
          : []),
        {
          Put: {
            TableName: env.REWIND_AUDIT_TABLE,
            Item: { chain, seq: next, id: `${chain}#${next}`, at, actor: 'bench', action: 'rollback', outcome: 'allowed', view, prevHash: hash, hash },
            ConditionExpression: 'attribute_not_exists(#seq)',
            ExpressionAttributeNames: { '#seq': 'seq' },
          },
        },
        {
          Put: {
            TableName: env.REWIND_AUDIT_TABLE,
            Item: { chain: `${chain}#head`, seq: 1, lastSeq: next, lastHash: hash, at, prevHash: hash, hash },
            ...(first
              ? { ConditionExpression: 'attribute_not_exists(#seq)', ExpressionAttributeNames: { '#seq': 'seq' } }
              : { ConditionExpression: '#lastSeq = :expected', ExpressionAttributeNames: { '#lastSeq': 'lastSeq' }, ExpressionAttributeValues: { ':expected': revision } }),
          },
        },
      ];
      const { ms } = await timed(() => db.send(new TransactWriteCommand({ TransactItems: items as never })));
      revision = next;
      return ms;
    },
  };
}

async function main(): Promise<void> {
  const runs = Number(process.argv[2] ?? 30);
  const rewind = await startLocalRewind({ port: 0, pointerCacheMs: 1000 });
  try {
    const token = await mintToken(rewind.jwtSecret, { sub: 'bench', roles: ['admin'] });
    const api: Api = async (method, path, body) => {
      const res = await fetch(rewind.url + path, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const json = await res.json();
      if (res.status >= 300) throw new Error(`${method} ${path} → ${res.status} ${JSON.stringify(json)}`);
      return json;
    };
    const view = 'profiled';
    await deploy(rewind, api, view, 1);
    await deploy(rewind, api, view, 2);
    await api('POST', `/views/${view}/activate`, { version: 1 });

    const recorder = recordCalls();
    const db = createDocumentClient();
    const bare4 = bareTransaction(db, rewind.env, 'profile-bare-4', false);
    const bare6 = bareTransaction(db, rewind.env, 'profile-bare-6', true);
    await bare4.setUp();
    await bare6.setUp();
    await bare4.once();
    await bare6.once();
    // A warm-up: the JVM, the handlers' first load, the version cache.
    for (let i = 0; i < 5; i++) {
      await api('POST', `/views/${view}/activate`, { version: 2, reason: 'profile' });
      await api('POST', `/views/${view}/rollback`, { toVersion: 1, reason: 'profile' });
      await bare4.once();
      await bare6.once();
    }

    // The floors under a rollback, without its code: HTTP alone (a request the gateway refuses
    // before any handler runs), and rounds of 1, 2 and 4 parallel consistent reads, the
    // reads a pointer change could make before its transaction.
    const pointerRead = () => db.send(new GetCommand({ TableName: rewind.env.REWIND_POINTERS_TABLE, Key: { view }, ConsistentRead: true }));
    const headRead = () =>
      db.send(
        new QueryCommand({
          TableName: rewind.env.REWIND_AUDIT_TABLE,
          KeyConditionExpression: '#chain = :chain',
          ExpressionAttributeNames: { '#chain': 'chain' },
          ExpressionAttributeValues: { ':chain': `view:${view}#head` },
          ScanIndexForward: false,
          Limit: 1,
          ConsistentRead: true,
        }),
      );
    const reads = (n: number) => Promise.all([pointerRead(), headRead(), pointerRead(), headRead()].slice(0, n));
    const floors: Record<string, number[]> = { 'HTTP 401 (no handler)': [], '1 read': [], '2 reads': [], '4 reads': [] };
    const httpFloor = () => timed(() => fetch(rewind.url + `/views/${view}/rollback`, { method: 'POST', body: '{}' }).then((r) => r.text()));

    const rollbackMs: number[] = [];
    const bare4Ms: number[] = [];
    const bare6Ms: number[] = [];
    const profiles: Call[][] = [];
    for (let i = 0; i < runs; i++) {
      floors['HTTP 401 (no handler)']!.push((await httpFloor()).ms);
      for (const n of [1, 2, 4]) floors[`${n} read${n > 1 ? 's' : ''}`]!.push((await timed(() => reads(n))).ms);
      await api('POST', `/views/${view}/activate`, { version: 2, reason: 'profile' });
      recorder.begin();
      const { ms, value } = await timed(() => api('POST', `/views/${view}/rollback`, { toVersion: 1, reason: 'profile' }));
      profiles.push(recorder.end());
      if (!value.changed) throw new Error('the rollback changed nothing');
      rollbackMs.push(ms);
      bare4Ms.push(await bare4.once());
      bare6Ms.push(await bare6.once());
    }
    db.destroy();

    // The run closest to the median, call by call.
    const order = rollbackMs.map((ms, i) => ({ ms, i })).sort((a, b) => a.ms - b.ms);
    const typical = order[Math.floor(order.length / 2)]!;
    printTable(`DynamoDB calls of a typical rollback (${round(typical.ms)} ms through HTTP), in start order`, profiles[typical.i]!
      .sort((a, b) => a.start - b.start)
      .map((c) => ({ call: c.command, target: c.target, 'start ms': round(c.start), 'end ms': round(c.end), ms: round(c.end - c.start) })));

    // Per call kind, over all runs: how many per rollback, median duration.
    const byKind = new Map<string, number[]>();
    for (const calls of profiles)
      for (const c of calls) {
        const kind = `${c.command} ${c.target}`;
        byKind.set(kind, [...(byKind.get(kind) ?? []), c.end - c.start]);
      }
    printTable('Per call, over every run', [...byKind].map(([kind, ms]) => ({ call: kind, 'per rollback': round(ms.length / runs, 2), 'median ms': round(median(ms)) })));

    const callsPerRollback = profiles.map((p) => p.length);
    const waves = profiles.map(countWaves);
    const dynamoMs = profiles.map((p) => unionMs(p));
    const result = {
      runs,
      rollbackMedianMs: round(median(rollbackMs)),
      bare4MedianMs: round(median(bare4Ms)),
      bare6MedianMs: round(median(bare6Ms)),
      ratioOverBare4: round(median(rollbackMs) / median(bare4Ms), 3),
      ratioOverBare6: round(median(rollbackMs) / median(bare6Ms), 3),
      /** Each rollback over the bare transaction measured right after it: drift in the machine's load cancels. */
      pairedRatioOverBare6Median: round(median(rollbackMs.map((ms, i) => ms / bare6Ms[i]!)), 3),
      callsPerRollbackMedian: median(callsPerRollback),
      sequentialRoundsMedian: median(waves),
      dynamoBusyMsMedian: round(median(dynamoMs)),
    };
    printTable('Rollback vs bare TransactWriteItems (medians)', [result]);
    printTable('Floors, interleaved with the above (medians, ms)', Object.entries(floors).map(([what, ms]) => ({ what, median: round(median(ms)) })));
  } finally {
    await rewind.stop();
  }
}

/** Sequential rounds: calls that overlap in time form one round. */
function countWaves(calls: readonly Call[]): number {
  const sorted = [...calls].sort((a, b) => a.start - b.start);
  let waves = 0;
  let end = -Infinity;
  for (const c of sorted) {
    if (c.start >= end) waves++;
    end = Math.max(end, c.end);
  }
  return waves;
}

/** Time during which at least one call was in flight. */
function unionMs(calls: readonly Call[]): number {
  const sorted = [...calls].sort((a, b) => a.start - b.start);
  let total = 0;
  let from = -Infinity;
  let to = -Infinity;
  for (const c of sorted) {
    if (c.start > to) {
      if (to > from) total += to - from;
      from = c.start;
      to = c.end;
    } else to = Math.max(to, c.end);
  }
  if (to > from) total += to - from;
  return total;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
