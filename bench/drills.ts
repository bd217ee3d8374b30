/**
 * Drills on the local runtime (issue 13's benchmark): one drill per scenario with 1 s alarm
 * periods (monitor every 300 ms, samples flushed every 200 ms), and the drift drill with the
 * AWS-like budget (10 s periods and rounds, 5 s flush: `rewind:fastDetection`'s settings).
 * Each through the same runner as `rewind drill run` (cli/drills/runner.ts), over HTTP, with
 * its measured MTTD, MTTR and requests served bad. Targets: MTTR ≤ 3 s with 1 s periods,
 * ≤ 30 s with 10 s periods. corrupt-snapshot's fault (snapshot bytes changed in the bucket)
 * is injected with the S3 client, which no API call can do.
 *
 * Standalone: `npx tsx bench/drills.ts` (starts its own emulators; needs Java 17+).
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { runDrill, type FaultInjector } from '../cli/drills/runner';
import { DrillOptionsSchema, SCENARIOS } from '../core/drills/scenarios';
import type { DrillReport } from '../core/drills/report';
import { startLocalRewind } from '../local/runtime';
import { mintToken } from '../local/tokens';
import { createS3Client } from '../store/clients';

export interface DrillBenchRow {
  settings: string;
  scenario: string;
  rows: number;
  rps: number;
  mttdMs: number | null;
  mttrMs: number | null;
  targetS: number;
  servedBad: number;
  requests: number;
  outcome: string;
  failures: string[];
}

const injector: FaultInjector = {
  async corruptSnapshot(uri) {
    const [, bucket, key] = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri)!;
    const s3 = createS3Client({ forcePathStyle: true });
    try {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: Buffer.from('bytes that are not the snapshot written') }));
    } finally {
      s3.destroy();
    }
  },
};

function row(settings: string, r: DrillReport): DrillBenchRow {
  return { settings, scenario: r.scenario, rows: r.rows, rps: r.rps, mttdMs: r.measures.mttdMs, mttrMs: r.measures.mttrMs, targetS: r.targetMttrSeconds, servedBad: r.measures.servedBad, requests: r.measures.requests, outcome: r.outcome, failures: r.failures };
}

async function onRuntime<T>(name: string, monitoring: { alarmPeriodSeconds: number; monitorIntervalMs: number; monitorWindowSeconds: number; sampleFlushMs: number }, fn: (target: { url: string; token: string }) => Promise<T>): Promise<T> {
  const stamp = Date.now().toString(36);
  const rewind = await startLocalRewind({ port: 0, tablePrefix: `bench-${name}-${stamp}`, bucket: `bench-${name}-${stamp}`, monitoring, outboxPollMs: 100 });
  try {
    return await fn({ url: rewind.url, token: await mintToken(rewind.jwtSecret, { sub: 'bench:drills', roles: ['admin'] }) });
  } finally {
    await rewind.stop();
  }
}

/**
 * `periods: 1`: every scenario with 1 s periods; `periods: 10`: the drift drill with 10 s periods.
 * One runtime per process (the handlers keep their clients for the life of a process, as in
 * Lambda): bench/child.ts runs the two as groups `drills` and `drills-10s`.
 */
export async function benchDrills(options: { rows?: number; rps?: number; periods?: 1 | 10 } = {}): Promise<DrillBenchRow[]> {
  const rows: DrillBenchRow[] = [];
  const base = { rows: options.rows ?? 1000, rps: options.rps ?? 20 };
  if (options.periods !== 10) {
    await onRuntime('drills1s', { alarmPeriodSeconds: 1, monitorIntervalMs: 300, monitorWindowSeconds: 3, sampleFlushMs: 200 }, async (target) => {
    for (const scenario of SCENARIOS) {
      const report = await runDrill(target, { ...DrillOptionsSchema.parse({ ...base, scenario, periodSeconds: 1, targetMttrSeconds: 3, timeoutSeconds: 60 }), injector, onProgress: (l) => console.error(l) });
      rows.push(row('1 s periods', report));
    }
  });
  }
  if (options.periods === 10)
    await onRuntime('drills10s', { alarmPeriodSeconds: 10, monitorIntervalMs: 10_000, monitorWindowSeconds: 30, sampleFlushMs: 5_000 }, async (target) => {
      const report = await runDrill(target, { ...DrillOptionsSchema.parse({ ...base, scenario: 'drift', periodSeconds: 10, targetMttrSeconds: 30, timeoutSeconds: 120 }), onProgress: (l) => console.error(l) });
      rows.push(row('10 s periods (fastDetection)', report));
    });
  return rows;
}

if (/(^|[\\/])bench[\\/]drills(\.ts)?$/.test(process.argv[1] ?? '')) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
  benchDrills({ periods: process.argv.includes('--10s') ? 10 : 1 }).then(
    (r) => console.table(r.map(({ failures, ...rest }) => ({ ...rest, failures: failures.join('; ').slice(0, 80) }))),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
