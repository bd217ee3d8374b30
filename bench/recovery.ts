/**
 * Time to recover on the local runtime: from the activation of a bad version to serving the
 * good one again, with nobody acting. The path is the real one (serving sampler → samples
 * table → drift monitor → EMF → alarm evaluator with 1 s periods → EventBridge rule pattern →
 * alarm-rollback → rollbackView), against DynamoDB Local and s3rver, under steady traffic.
 *
 * Each trial deploys a fresh view (v1 good and active, v2 with a unit bug let through by a
 * `warn` policy), activates v2 and watches the served version flip to 2 and back to 1.
 * What bounds the figure here: the pointer cache (1 s), the sample flush (200 ms), the monitor
 * interval (300 ms), the alarm period (1 s) × datapoints needed, and the cache again after the
 * rollback.
 *
 * Standalone: `npx tsx bench/recovery.ts` (starts its own emulators; needs Java 17+).
 */
import { startLocalRewind, type LocalRewind } from '../local/runtime';
import { mintToken } from '../local/tokens';

export interface RecoveryRow {
  name: string;
  /** Milliseconds from the activation request to the first response served by v1 again, per trial. */
  trialsMs: number[];
  medianMs: number;
  maxMs: number;
}

export interface RecoveryOptions {
  trials?: number;
  /** Reuse running emulators (the jest globalSetup's, say) instead of starting them. */
  dynamoEndpoint?: string;
  s3Endpoint?: string;
}

const ENTITIES = 300;
const definition = { entity: 'user_id', features: [{ name: 'avg_basket', type: 'float' }, { name: 'country', type: 'string' }] };
const rows = (scale: number) =>
  Array.from({ length: ENTITIES }, (_, i) => ({ user_id: `u${i}`, avg_basket: (((i * 37) % 200) / 4 + 5) * scale, country: ['FR', 'DE', 'US', 'JP'][i % 4] }));

type Call = (method: string, path: string, body?: unknown) => Promise<{ status: number; body: any }>;

function client(url: string, token: string): Call {
  return async (method, path, body) => {
    const res = await fetch(url + path, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
    return { status: res.status, body: await res.json() };
  };
}

async function trial(call: Call, view: string, monitor: Record<string, number>, deadlineMs = 30_000): Promise<number> {
  const v1 = await call('POST', `/views/${view}/versions`, { definition, rows: rows(1), activate: true, validation: { monitor } });
  if (v1.status !== 201) throw new Error(`deploy v1: ${JSON.stringify(v1.body)}`);
  const v2 = await call('POST', `/views/${view}/versions`, { definition, rows: rows(100), validation: { enforce: 'warn', minValues: 100, monitor } });
  if (v2.body.status !== 'deployed') throw new Error(`deploy v2: ${JSON.stringify(v2.body)}`);

  let stop = false;
  let sawBad = false;
  let recoveredAt = 0;
  const started = Date.now();
  const traffic = async (seed: number) => {
    for (let i = seed; !stop && Date.now() - started < deadlineMs; i += 7) {
      const r = await call('GET', `/online/${view}/u${i % ENTITIES}`);
      if (r.body.version === 2) sawBad = true;
      if (sawBad && r.body.version === 1 && !recoveredAt) {
        recoveredAt = Date.now();
        stop = true;
      }
    }
  };
  const activatedAt = Date.now();
  const activation = call('POST', `/views/${view}/activate`, { version: 2, reason: 'bench: bad version' });
  await Promise.all([activation, ...[1, 2, 3, 4].map(traffic)]);
  stop = true;
  if (!recoveredAt) throw new Error(`${view}: not recovered within ${deadlineMs} ms`);
  return recoveredAt - activatedAt;
}

/**
 * @example const [fast, standard] = await benchTimeToRecover({ trials: 3 }); fast.medianMs // ≈ 2500
 */
export async function benchTimeToRecover(options: RecoveryOptions = {}): Promise<RecoveryRow[]> {
  const trials = options.trials ?? 3;
  const rewind: LocalRewind = await startLocalRewind({
    port: 0,
    tablePrefix: `bench-ttr-${Date.now().toString(36)}`,
    bucket: `bench-ttr-${Date.now().toString(36)}`,
    ...(options.dynamoEndpoint ? { dynamoEndpoint: options.dynamoEndpoint } : {}),
    ...(options.s3Endpoint ? { s3Endpoint: options.s3Endpoint } : {}),
    monitoring: { alarmPeriodSeconds: 1, monitorIntervalMs: 300, monitorWindowSeconds: 3, sampleFlushMs: 200 },
    outboxPollMs: 100,
  });
  try {
    const call = client(rewind.url, await mintToken(rewind.jwtSecret, { sub: 'bench', roles: ['admin'] }));
    const configs: [string, Record<string, number>][] = [
      ['1 s periods, alarm on 1 of 1 datapoints', { evaluationPeriods: 1, datapointsToAlarm: 1, minSamples: 40 }],
      ['1 s periods, alarm on 2 of 3 datapoints (the default M of N)', { evaluationPeriods: 3, datapointsToAlarm: 2, minSamples: 40 }],
    ];
    const rows: RecoveryRow[] = [];
    let n = 0;
    for (const [name, monitor] of configs) {
      const trialsMs: number[] = [];
      for (let t = 0; t < trials; t++) trialsMs.push(await trial(call, `ttr${n++}`, monitor));
      const sorted = [...trialsMs].sort((a, b) => a - b);
      rows.push({ name, trialsMs, medianMs: sorted[sorted.length >> 1]!, maxMs: sorted.at(-1)! });
    }
    return rows;
  } finally {
    await rewind.stop();
  }
}

if (/(^|[\\/])bench[\\/]recovery(\.ts)?$/.test(process.argv[1] ?? '')) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';
  benchTimeToRecover().then(
    (rows) => {
      for (const r of rows) console.log(`${r.name.padEnd(64)} median ${r.medianMs} ms, max ${r.maxMs} ms  (trials: ${r.trialsMs.join(', ')})`);
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
