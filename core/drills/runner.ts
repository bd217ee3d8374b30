/**
 * The drill runner: one drill against any Rewind, over its HTTP API only (like the CLI), so
 * `rewind drill run` (cli/drills/), the bench, the tests and the scheduled drill on AWS
 * (functions/scheduled-drill.ts) share it: it lives in core/ because functions/ may not import
 * cli/. Its only I/O is the HTTP client it is handed (`DrillTarget.fetch`, the platform's
 * `fetch` by default): it opens no socket of its own. It deploys
 * a known-good version, activates it, keeps a bounded serving load, injects the fault, waits
 * for the automatic rollback (`auto`) or follows the view's runbook (`manual`), verifies the
 * restored state, cleans up, measures, and stores its report (POST /drills).
 *
 * Every request passes core/drills/scenarios.ts `assertInNamespace`: a drill can only ever
 * address its own views (`drill-<id>-<scenario>`), so it can run on a production stack.
 */
import { drillMonitor, faultFor, knownGoodRows, assertInNamespace, drillDefinition, drillView, DRILL_MODEL, DRILL_SOURCE, newDrillId, type DrillOptions, type DrillRow } from './scenarios';
import { latencyBuckets, measure, type DrillReport, type LoadSample, type TimelineMark } from './report';

export interface DrillTarget {
  url: string;
  token: string;
  /** The HTTP client (default: the platform's `fetch`). */
  fetch?: typeof fetch;
}

/** What no HTTP call can do: change a snapshot's bytes in the bucket (corrupt-snapshot). */
export interface FaultInjector {
  corruptSnapshot(uri: string): Promise<void>;
}

export interface DrillRun extends DrillOptions {
  id?: string;
  /** The target's pointer-cache bound (REWIND_POINTER_CACHE_MS): recovery is watched past it. Default 1000. */
  stalenessMs?: number;
  injector?: FaultInjector;
  /** Store the report (POST /drills); default true. */
  store?: boolean;
  onProgress?: (line: string) => void;
}

type Reply = { status: number; body: any };

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * @example const report = await runDrill({ url, token }, { scenario: 'drift', rows: 200, rps: 20, targetMttrSeconds: 3, mode: 'auto', timeoutSeconds: 60, periodSeconds: 1 });
 */
export async function runDrill(target: DrillTarget, o: DrillRun): Promise<DrillReport> {
  const started = Date.now();
  const startedAt = new Date(started).toISOString();
  const id = o.id ?? newDrillId(new Date(started));
  const view = drillView(id, o.scenario);
  const now = () => Date.now() - started;
  const say = o.onProgress ?? (() => undefined);
  const reason = (what: string) => `drill ${id}: ${what}`;
  const api = async (method: string, path: string, body?: unknown): Promise<Reply> => {
    assertInNamespace(id, method, path);
    const res = await (target.fetch ?? fetch)(target.url + path, { method, headers: { authorization: `Bearer ${target.token}`, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON (a gateway's HTML error): kept as text
    }
    return { status: res.status, body: parsed };
  };
  // Each phase (deploy, warm-up, detection, recovery, follow-up) gets the whole timeout: a slow deploy must not eat the detection's time.
  let deadline = started + o.timeoutSeconds * 1000;
  const phase = () => (deadline = Date.now() + o.timeoutSeconds * 1000);
  const until = async <T>(probe: () => Promise<T>, ok: (v: T) => boolean, what: string): Promise<T> => {
    for (;;) {
      const v = await probe();
      if (ok(v)) return v;
      if (Date.now() > deadline) throw new DrillTimeout(`${what}: not within the drill's ${o.timeoutSeconds} s`);
      await sleep(100);
    }
  };

  const marks: TimelineMark[] = [];
  const mark = (event: TimelineMark['event'], note?: string) => marks.push({ event, t: now(), ...(note ? { note } : {}) });
  const failures: string[] = [];
  const good = knownGoodRows(o.rows);
  const monitor = drillMonitor(o);
  const fault = faultFor(o.scenario, good, monitor);
  const samples: LoadSample[] = [];
  let load: { stop(): Promise<void> } | undefined;
  let cleanup: DrillReport['cleanup'] = { purged: [], kept: [] };
  const verification: DrillReport['verification'] = { sampled: 0, exact: 0, version: null };
  const deploy = async (body: Record<string, unknown>, what: string) => {
    const reply = await api('POST', `/views/${view}/versions`, { ...body, reason: reason(what) });
    if (reply.status === 202) await until(() => api('GET', `/jobs/${reply.body.job.id}`), (r) => ['succeeded', 'failed', 'cancelled'].includes(r.body?.status), 'the deploy job');
    return reply;
  };

  try {
    say(`drill ${id}: ${o.scenario}, ${o.rows} rows, ${o.rps} req/s, ${o.mode} → ${view}`);
    mark('deploy');
    const v1 = await deploy(
      {
        definition: drillDefinition,
        rows: good,
        consumers: [{ name: DRILL_MODEL, features: ['score', 'segment'] }],
        sources: [{ uri: DRILL_SOURCE, checksum: 'sha256:good' }],
        validation: { monitor },
        runbook: { steps: [{ kind: 'verify-restored', sample: 20 }, { kind: 'check-models', deadlineSeconds: 30 }, { kind: 'refresh-artifacts' }] },
        activate: true,
      },
      'known-good version',
    );
    if (v1.status !== 201 && v1.status !== 202) throw new DrillTimeout(`the known-good deploy was refused: ${v1.status} ${JSON.stringify(v1.body).slice(0, 300)}`);
    mark('activate', 'v1 known-good');
    phase();
    const byId = new Map(good.map((r) => [r.id, r]));
    // corrupt-snapshot's v2 is a good version too: what would be bad there is v1 rebuilt from changed bytes.
    const alsoGood = o.scenario === 'corrupt-snapshot' ? new Map((fault.body.rows as DrillRow[]).map((r) => [r.id, r])) : undefined;
    load = startLoad(o.rps, o.rows, async (entity) => {
      const t = now();
      const t0 = performance.now();
      const r = await api('GET', `/online/${view}/${entity}`).catch(() => ({ status: 0, body: undefined }) as Reply);
      const ms = performance.now() - t0;
      const sample: LoadSample = { t, ms, status: r.status };
      if (r.status === 200) {
        sample.version = r.body.version;
        sample.good = sameValues(r.body.features, byId.get(entity)!) || (alsoGood !== undefined && sameValues(r.body.features, alsoGood.get(entity)!));
      }
      samples.push(sample);
    });
    await until(async () => samples.filter((s) => s.status === 200).length, (n) => n >= Math.min(o.rps, 20), 'the load warming up');

    // The fault.
    phase();
    let badVersion: number | undefined;
    if (o.scenario === 'corrupt-snapshot') {
      if (!o.injector) throw new DrillTimeout('corrupt-snapshot changes snapshot bytes in the bucket, which no API call can do: run it with a fault injector (npm run bench, the tests), not against this target');
      const v2 = await deploy({ ...fault.body, activate: true }, 'v2 (good) so that v1 can be purged');
      if (v2.status !== 201 && v2.status !== 202) throw new DrillTimeout(`v2 was refused: ${v2.status}`);
      const purge = await until(() => api('DELETE', `/views/${view}/versions/1/online`), (r) => r.body?.error?.code !== 'RecentlyServed', 'purging v1');
      if (purge.status >= 300) throw new DrillTimeout(`purging v1 was refused: ${purge.status} ${JSON.stringify(purge.body).slice(0, 200)}`);
      const record = (await api('GET', `/views/${view}/versions/1`)).body;
      await o.injector.corruptSnapshot(record.snapshot.uri);
      mark('fault', "v1's snapshot bytes changed; rolling back to v1");
      const back = await api('POST', `/views/${view}/rollback`, { to: 1, reason: reason('roll back onto the corrupted v1') });
      if (back.status === 200) {
        mark('rollback', 'v1 served again: it was rebuilt from a changed snapshot');
        failures.push(`the rollback onto v1 succeeded although its snapshot bytes changed (${back.status})`);
      } else {
        mark('refused', `the rollback refused to rebuild v1 from changed bytes: ${back.status} ${back.body?.error?.code ?? ''}`);
        say(`  refused: ${back.status} ${back.body?.error?.message ?? ''}`);
      }
    } else {
      const v2 = await deploy({ ...fault.body, activate: !fault.refusedAtDeploy }, `fault: ${fault.what}`);
      mark('fault', fault.what);
      phase();
      if (fault.refusedAtDeploy) {
        if (v2.status < 400) failures.push(`the faulty version was accepted at deploy (${v2.status}): nothing stopped it`);
        else mark('refused', `deploy refused ${v2.status}: ${v2.body?.error?.message ?? ''}`.slice(0, 300));
      } else {
        if (v2.status !== 201 && v2.status !== 202) throw new DrillTimeout(`the faulty deploy was refused (${v2.status} ${JSON.stringify(v2.body).slice(0, 200)}); the scenario expects it through`);
        badVersion = v2.body.version ?? 2;
        if (o.mode === 'manual') {
          const firstBad = await until(async () => samples.find((s) => s.good === false), (s) => s !== undefined, 'a bad response seen by the load');
          marks.push({ event: 'first-bad', t: firstBad!.t });
          mark('detected', 'the operator saw bad values');
          const runbook = (await api('GET', `/views/${view}/runbook`)).body;
          const back = await api('POST', `/views/${view}/rollback`, { ...(runbook.knownGood ? { to: runbook.knownGood } : {}), reason: reason('following the runbook') });
          if (back.status !== 200) throw new DrillTimeout(`the runbook's rollback was refused: ${back.status} ${JSON.stringify(back.body).slice(0, 200)}`);
          mark('rollback', `by hand, to v${back.body.toVersion ?? runbook.knownGood}`);
        } else {
          const entry = await until(async () => (await api('GET', `/views/${view}/history?limit=1`)).body?.history?.[0], (h) => h?.action === 'rollback', 'the automatic rollback');
          const at = Date.parse(entry.at) - started;
          const firstBad = samples.find((s) => s.good === false);
          if (firstBad) marks.push({ event: 'first-bad', t: firstBad.t });
          marks.push({ event: 'detected', t: at, note: entry.actor }, { event: 'rollback', t: at, note: `${entry.reason ?? ''}`.slice(0, 200) });
        }
      }
    }
    // Past the staleness bound every server serves what the pointer names: watch the load that long.
    const settle = now() + (o.stalenessMs ?? 1000) + 500;
    await until(async () => now(), (t) => t >= settle, 'the staleness bound');
    await load.stop();
    load = undefined;
    const lateBad = samples.filter((s) => s.good === false && s.t > settle - 500);
    if (lateBad.length) failures.push(`${lateBad.length} bad response(s) after the rollback plus the staleness bound`);
    mark('recovered');

    // Verify: a sample of entities served with exactly the known-good values (v2's for corrupt-snapshot, which keeps serving v2).
    const expected: DrillRow[] = o.scenario === 'corrupt-snapshot' && marks.some((m) => m.event === 'refused') ? (fault.body.rows as DrillRow[]) : good;
    const expectedVersion = o.scenario === 'corrupt-snapshot' && marks.some((m) => m.event === 'refused') ? 2 : 1;
    const step = Math.max(1, Math.floor(expected.length / 20));
    for (let i = 0; i < expected.length && verification.sampled < 20; i += step) {
      const row = expected[i]!;
      const r = await api('GET', `/online/${view}/${row.id}`);
      verification.sampled++;
      if (r.status === 200 && r.body.version === expectedVersion && sameValues(r.body.features, row)) verification.exact++;
    }
    verification.version = expectedVersion;
    if (verification.exact !== verification.sampled) failures.push(`verification: ${verification.exact} of ${verification.sampled} entities served v${expectedVersion}'s exact values`);
    phase();
    if (marks.some((m) => m.event === 'rollback') && !failures.length) {
      const followed = await until(async () => (await api('GET', `/views/${view}/history?limit=1`)).body?.history?.[0]?.followUp, (f) => f !== undefined, "the runbook's follow-up").catch(() => undefined);
      verification.runbook = followed?.status ?? 'not run within the drill';
      if (followed && followed.status !== 'verified') failures.push(`the runbook after the rollback ended ${followed.status}`);
    }
    mark('verified', `${verification.exact}/${verification.sampled} exact`);
    cleanup = await cleanUp(api, view, badVersion);
  } catch (error) {
    failures.push(error instanceof Error ? error.message : String(error));
    await load?.stop();
  }

  const measures = measure(samples, marks);
  if (measures.mttrMs === null && !failures.length) failures.push('recovery was not observed');
  if (measures.mttrMs !== null && measures.mttrMs > o.targetMttrSeconds * 1000) failures.push(`time to recover ${(measures.mttrMs / 1000).toFixed(2)} s is above the target ${o.targetMttrSeconds} s`);
  const report: DrillReport = {
    id,
    scenario: o.scenario,
    mode: o.mode,
    rows: o.rows,
    rps: o.rps,
    view,
    target: target.url,
    startedAt,
    finishedAt: new Date().toISOString(),
    targetMttrSeconds: o.targetMttrSeconds,
    outcome: failures.length ? 'failed' : 'passed',
    failures,
    fault: fault.what,
    measures,
    verification,
    timeline: marks.sort((a, b) => a.t - b.t),
    latency: latencyBuckets(samples),
    cleanup,
  };
  if (o.store !== false) {
    const stored = await api('POST', '/drills', report).catch((e: unknown) => ({ status: 0, body: String(e) }));
    if (stored.status !== 201) say(`  the report could not be stored: ${stored.status} ${JSON.stringify(stored.body).slice(0, 200)}`);
  }
  return report;
}

class DrillTimeout extends Error {}

/** Values served vs the row deployed: every feature exact (a default where the row has none). */
function sameValues(served: Record<string, unknown> | undefined, row: DrillRow): boolean {
  if (!served) return false;
  return served.score === row.score && served.clicks === row.clicks && served.segment === row.segment;
}

/**
 * R requests per second, spread over the entities, at most max(4, R) in flight (a slow server is
 * measured, not buried under a backlog). Bounded: it stops when told, and never runs unattended.
 */
function startLoad(rps: number, rows: number, request: (entity: string) => Promise<void>): { stop(): Promise<void> } {
  const inFlight = new Set<Promise<void>>();
  const interval = 1000 / rps;
  let next = performance.now();
  let i = 0;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      if (inFlight.size < Math.max(4, rps)) {
        const p = request(`e${(i++ * 7919) % rows}`).finally(() => inFlight.delete(p));
        inFlight.add(p);
      }
      next += interval;
      const wait = next - performance.now();
      if (wait > 0) await sleep(wait);
      else if (-wait > 1000) next = performance.now(); // far behind: drop the backlog rather than burst
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop;
      await Promise.allSettled([...inFlight]);
    },
  };
}

/** The drill's online rows: every version not served is purged; the served one keeps its rows (a view always serves something). */
async function cleanUp(api: (m: string, p: string, b?: unknown) => Promise<Reply>, view: string, bad: number | undefined): Promise<DrillReport['cleanup']> {
  const pointer = (await api('GET', `/views/${view}`)).body?.pointer;
  const versions: number[] = ((await api('GET', `/views/${view}/versions`)).body?.versions ?? []).map((v: { version: number }) => v.version);
  const purged: number[] = [];
  const kept: number[] = [];
  for (const version of versions) {
    if (version === pointer?.stable) {
      kept.push(version);
      continue;
    }
    const until = Date.now() + 5000;
    let r: Reply;
    do r = await api('DELETE', `/views/${view}/versions/${version}/online`);
    while (r.body?.error?.code === 'RecentlyServed' && Date.now() < until && (await sleep(200), true));
    if (r.status < 300) purged.push(version);
  }
  return { purged, kept, ...(bad === undefined ? {} : {}) };
}
