/**
 * Time travel (issue 12): `GET /online/{view}/{entity}?at=` answered from a purged version's
 * snapshot (a ranged read of one row group, verified) vs from the online store, through the
 * as-of handler (middy, auth, history binary search, store) on DynamoDB Local and s3rver, with
 * the bytes read from S3 per lookup; and a training set of `trainingRows` (entity, instant)
 * rows over a history of `changes` pointer changes, end to end through POST
 * /views/{view}/training-sets from an uploaded CSV: rows/s.
 *
 * The large version's rows are never written online: it is recorded with its snapshot, marked
 * materialized so that it can be activated (invariant 8 checks the state, not the rows), served,
 * then purged. What is measured reads only its snapshot, as for any purged version.
 *
 * Standalone: `npx tsx bench/time-travel.ts` (BENCH_QUICK=1 for the small run).
 */
import type { Context } from 'aws-lambda';
import { getDeps } from '../functions/commons/deps';
import { lambdaContext } from '../local/gateway';
import { startLocalRewind } from '../local/runtime';
import { mintToken } from '../local/tokens';
import { checkRows } from '../core/rows';
import type { S3SnapshotStore } from '../store/s3-snapshots';
import { servingDefinition } from './fixture';
import { median, quantile, round, timed } from './measure';

export interface TimeTravelBenchOptions {
  /** Rows of the purged version read from its snapshot. */
  snapshotRows: number;
  /** Rows of the two versions served from the online store. */
  onlineRows: number;
  lookups: number;
  warmup: number;
  /** Pointer changes in the history the training set replays. */
  changes: number;
  trainingRows: number;
}

export const DEFAULT_TIME_TRAVEL_BENCH: TimeTravelBenchOptions = { snapshotRows: 1_000_000, onlineRows: 10_000, lookups: 300, warmup: 20, changes: 50, trainingRows: 100_000 };
export const QUICK_TIME_TRAVEL_BENCH: TimeTravelBenchOptions = { snapshotRows: 50_000, onlineRows: 2_000, lookups: 100, warmup: 10, changes: 50, trainingRows: 5_000 };

const definition = { ...servingDefinition, tier: 'standard', owners: [] } as const;
const row = (i: number, seed: number) => ({ user_id: `u${i}`, age: 18 + ((i + seed) % 60), country: ['FR', 'DE', 'US'][(i + seed) % 3], avg_basket: ((i * 7 + seed) % 2000) / 10 });
const VIEW = 'ttbench';

export async function benchTimeTravel(options: TimeTravelBenchOptions = DEFAULT_TIME_TRAVEL_BENCH, log: (line: string) => void = console.error) {
  const rewind = await startLocalRewind({ port: 0, pointerCacheMs: 0, monitoring: false });
  try {
    const token = await mintToken(rewind.jwtSecret, { sub: 'bench', roles: ['admin'] });
    // A loaded machine's DynamoDB Local answers 503 now and then: retried, as a client would.
    const api = async (method: string, path: string, body?: unknown): Promise<any> => {
      for (let attempt = 0; ; attempt++) {
        const res = await fetch(rewind.url + path, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
        const text = await res.text();
        if (res.status === 503 && attempt < 5) {
          await new Promise((resolve) => setTimeout(resolve, 1000 * (attempt + 1)));
          continue;
        }
        if (res.status >= 300) throw new Error(`${method} ${path} → ${res.status} ${text}`);
        return JSON.parse(text);
      }
    };
    log(`time-travel bench: two online versions of ${options.onlineRows} rows…`);
    const small = Array.from({ length: options.onlineRows }, (_, i) => i);
    const a = (await api('POST', `/views/${VIEW}/versions`, { definition, rows: small.map((i) => row(i, 1)) })).version as number;
    const b = (await api('POST', `/views/${VIEW}/versions`, { definition, rows: small.map((i) => row(i, 2)) })).version as number;

    log(`time-travel bench: a version of ${options.snapshotRows} rows, its snapshot only…`);
    const deps = getDeps();
    const template = (await deps.catalog.getVersion(VIEW, a))!;
    const big = await deps.catalog.nextVersionNumber(VIEW, new Date().toISOString());
    const bigRows = checkRows(template.definition, Array.from({ length: options.snapshotRows }, (_, i) => row(i, 3)), { field: 'rows' });
    const snapshot = await deps.snapshots.write(VIEW, big, template.definition, bigRows);
    await deps.catalog.putVersion({ ...template, version: big, snapshot, createdAt: new Date().toISOString() }, { actor: 'bench', action: 'deploy', outcome: 'allowed', view: VIEW });
    const claim = (await deps.catalog.claimMaterialization(VIEW, big, new Date().toISOString()))!;
    await deps.catalog.markMaterialized(VIEW, big, bigRows.length, new Date().toISOString(), claim);

    log(`time-travel bench: ${options.changes} pointer changes…`);
    await api('POST', `/views/${VIEW}/activate`, { version: big });
    const bigServedAt = new Date().toISOString();
    // Activate, canary, roll the canary back, flip a kill switch: four kinds of change, in turn.
    let stable = big;
    let ageOff = false;
    for (let i = 1; i < options.changes; i++) {
      const other = stable === a ? b : a;
      const step = i % 4;
      if (step === 1) await api('POST', `/views/${VIEW}/activate`, { version: (stable = other) });
      else if (step === 2) await api('POST', `/views/${VIEW}/activate`, { version: other, strategy: 'canary', percent: 30 });
      else if (step === 3) await api('POST', `/views/${VIEW}/rollback`, { reason: 'bench: drop the canary' });
      else await api('POST', `/views/${VIEW}/features/age/${(ageOff = !ageOff) ? 'disable' : 'enable'}`, { reason: 'bench' });
    }
    const onlineServedAt = new Date().toISOString();
    const pointer = (await api('GET', `/views/${VIEW}`)).pointer as { revision: number };
    // The big version, no longer served, purged: only its snapshot remains.
    await deps.pointers.beginPurge({ view: VIEW, version: big, revision: pointer.revision, at: new Date().toISOString(), audit: { actor: 'bench', action: 'purge', outcome: 'allowed', view: VIEW, detail: { version: big } } });
    await deps.catalog.markPurged(VIEW, big, new Date().toISOString());

    const asOf = (await import('../functions/get-online-as-of')).handler;
    const context = (): Context => lambdaContext({ handler: 'get-online-as-of' });
    const requestContext = { authorizer: { jwt: { claims: { sub: 'bench', roles: '[viewer]' } } } };
    const lookup = async (entity: string, at: string) => {
      const event = { version: '2.0', routeKey: 'GET /views/{view}/as-of/online/{entity}', rawPath: `/views/${VIEW}/as-of/online/${entity}`, pathParameters: { view: VIEW, entity }, queryStringParameters: { at }, requestContext, isBase64Encoded: false };
      const r = (await asOf(event as never, context())) as { statusCode: number; body: string };
      if (r.statusCode !== 200) throw new Error(`as-of failed: ${r.body}`);
      return JSON.parse(r.body) as { servedFrom: string; version: number };
    };
    const store = deps.snapshots as S3SnapshotStore;
    const measure = async (at: string, range: number, expected: string) => {
      const samples: number[] = [];
      const before = { ...store.reads };
      let firstBytes = 0;
      for (let i = 0; i < options.lookups + options.warmup; i++) {
        const entity = `u${(i * 7919 + 13) % range}`;
        const { ms, value } = await timed(() => lookup(entity, at));
        if (value.servedFrom !== expected) throw new Error(`expected ${expected}, got ${value.servedFrom}`);
        if (i === 0) firstBytes = store.reads.bytes - before.bytes;
        if (i >= options.warmup) samples.push(ms);
      }
      const warmBytes = store.reads.bytes - before.bytes - firstBytes;
      return { medianMs: round(median(samples), 2), p99Ms: round(quantile(samples, 0.99), 2), s3BytesFirstLookup: firstBytes, s3BytesPerLookup: Math.round(warmBytes / (options.lookups + options.warmup - 1)) };
    };
    log(`time-travel bench: ${options.lookups} lookups from the snapshot, then from the online store…`);
    const fromSnapshot = await measure(bigServedAt, options.snapshotRows, 'snapshot');
    const fromOnline = await measure(onlineServedAt, options.onlineRows, 'online');

    log(`time-travel bench: a training set of ${options.trainingRows} rows…`);
    const history = (await api('GET', `/views/${VIEW}/history?limit=1000`)).history as { at: string }[];
    const instants = history.map((h) => Date.parse(h.at)).sort((a, b) => a - b);
    const end = Date.parse(onlineServedAt);
    // One row per (random window, random instant inside it): every pointer in the history serves a share.
    const csv = ['user_id,at'];
    for (let i = 0; i < options.trainingRows; i++) {
      const w = (i * 31) % instants.length;
      const from = instants[w]!;
      const to = instants[w + 1] ?? end;
      csv.push(`u${(i * 104_729) % Math.round(options.onlineRows * 1.1)},${new Date(from + ((i * 977) % Math.max(1, to - from))).toISOString()}`);
    }
    const ticket = await api('POST', '/uploads', { fileName: 'entities.csv' });
    const put = await fetch(ticket.uploadUrl, { method: 'PUT', body: Buffer.from(csv.join('\n')) });
    if (!put.ok) throw new Error(`upload → ${put.status}`);
    const { ms, value: created } = await timed(() => api('POST', `/views/${VIEW}/training-sets`, { dataUri: ticket.snapshotUri }));
    return {
      snapshotRows: options.snapshotRows,
      snapshotBytes: snapshot.bytes,
      rowGroups: snapshot.index!.rowGroupSha256.length,
      lookups: options.lookups,
      fromSnapshot,
      fromOnline,
      snapshotOverOnlineMedian: round(fromSnapshot.medianMs / fromOnline.medianMs, 2),
      trainingSet: { rows: options.trainingRows, changes: history.length, ms: Math.round(ms), rowsPerS: Math.round(options.trainingRows / (ms / 1000)), summary: created.summary as unknown, bytes: created.bytes as number },
    };
  } finally {
    await rewind.stop();
  }
}

if (require.main === module) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
  benchTimeTravel(process.env.BENCH_QUICK === '1' ? QUICK_TIME_TRAVEL_BENCH : DEFAULT_TIME_TRAVEL_BENCH)
    .then((r) => console.log(JSON.stringify(r, null, 2)))
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
