/**
 * A bounded soak (issue 10, "What to build" 7): serving readers and a chaos loop at once,
 * against the local runtime on the real emulators, its DynamoDB traffic through the TCP fault
 * proxy (a small share of resets and throttles; REWIND_SOAK_FAULT_SHARE=0 turns it off).
 *
 * - READERS loops GET /online for random entities and keep every answer with when it was sent
 *   and when it came back;
 * - one chaos loop, through the HTTP API only, activates, rolls back (automatic target, named
 *   target, onto purged versions), starts canaries and shadows, promotes, flips kill switches,
 *   purges versions nobody has been served for longer than the staleness bound, and now and
 *   then sends a purge and a pointer change onto the same version together (0–200 ms apart:
 *   the operator races of findings 1 and 2).
 *
 * Bounded by REWIND_SOAK_SECONDS (default 60) and REWIND_SOAK_MAX_OPS chaos operations.
 * Afterwards every answer is judged against the exact values of the version that says it
 * served it, and against the pointer's history (GET /views/V/history: every state, each
 * mapped back, by the unique reason the chaos loop gave it, to when its request was sent and
 * when it returned). A state R was possibly current from the moment its request was sent to
 * the moment the request that replaced it returned; a read sent at s may be served by R only
 * if R was possibly current at some moment after s − bound (the cache counts an entry's age
 * from when its read was sent, core/serving.ts) and before the read returned. The canary arm
 * of an entity is a hash (core/canary.ts), so each possible state says exactly which version,
 * arm and disabled features the entity gets.
 *
 * Asserts 0 found:false for an entity of the serving version, 0 wrong values, 0 stale reads,
 * 0 × 5xx (503 only while faults are injected), 0 writes from refused changes, and that
 * GET /audit/verify is ok at the end. The figures go to the fault suite's table (figures.ts).
 *
 * Until the materialization state machine lands (issue 10, findings 1 and 2), this suite is
 * EXPECTED TO FAIL on found:false: the purge ∥ rollback race leaves the served version empty.
 * In process with its own proxy: never against a deployed stack (*.local.test.ts).
 */
import { randomBytes } from 'node:crypto';
import { route } from '../../core/canary';
import type { Pointer } from '../../core/model';
import { ENV } from '../../contract/config';
import { startLocalRewind, type LocalRewind } from '../../local/runtime';
import { mintToken } from '../../local/tokens';
import { deployBody, rows, userProfile } from '../support/fixtures';
import { caller, DEPLOYED, eventually, type Caller, type Reply } from '../support/rewind';
import { addFaults, recordFigures, watchApiTraffic } from './figures';
import { startFaultProxy, type FaultProxy } from './tcp-proxy';

const SECONDS = Number(process.env.REWIND_SOAK_SECONDS ?? 60);
const MAX_OPS = Number(process.env.REWIND_SOAK_MAX_OPS ?? 600);
const FAULT_SHARE = Number(process.env.REWIND_SOAK_FAULT_SHARE ?? 0.02);
const READERS = 4;
/** A few versions of a few hundred rows, of different sizes: u0…u(rows-1) exist in each, the rest of ENTITIES do not. */
const VERSIONS = [
  { version: 1, seed: 1, rows: 300 },
  { version: 2, seed: 2, rows: 240 },
  { version: 3, seed: 3, rows: 360 },
  { version: 4, seed: 4, rows: 280 },
];
const ENTITIES = 400;
const SWITCHABLE = ['age', 'avg_basket'];
const DEFAULTS = Object.fromEntries(userProfile.features.map((f) => [f.name, 'default' in f ? f.default : null]));

// Setup (four deploys), the soak itself, the final sweep and the history check.
jest.setTimeout(SECONDS * 1000 + 90_000);

/** The exact features of `entity` in `version`, or undefined when the version has no such row. */
const truth = new Map(
  VERSIONS.map((v) => [v.version, new Map(rows(v.rows, v.seed).map(({ user_id, ...features }) => [user_id as string, features as Record<string, unknown>]))]),
);

interface Read {
  entity: string;
  sent: number;
  returned: number;
  status: number;
  body?: { version: number; found: boolean; features: Record<string, unknown>; disabled?: string[]; arm?: string };
}
interface Op {
  id: number;
  kind: string;
  reason: string;
  sent: number;
  returned: number;
  status: number;
  /** A pointer change (has a reason in the history); a purge is not. */
  pointerChange: boolean;
}

let proxy: FaultProxy;
let local: LocalRewind | undefined;
let api: Caller;
let boundMs: number;
const tag = `t${randomBytes(4).toString('hex')}`;
const view = `soak_${tag}`;
const watcher = watchApiTraffic(() => local?.url);
/** The local outbox relay logs each poll that met an injected fault and retries it: counted, not printed. */
let relayRetries = 0;
const consoleError = console.error.bind(console);

beforeAll(async () => {
  if (DEPLOYED) throw new Error("soak: a fault proxy in front of this process's emulator; *.local.test.ts suites never run against a deployed stack");
  jest.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
    if (typeof args[0] === 'string' && args[0].startsWith('local outbox relay: poll failed')) relayRetries += 1;
    else consoleError(...args);
  });
  const dynamo = new URL(process.env.REWIND_TEST_DYNAMODB_ENDPOINT!);
  proxy = await startFaultProxy({ host: dynamo.hostname, port: Number(dynamo.port) });
  const prefix = `t-soak-${tag}`;
  const bound = process.env[ENV.pointerCacheMs];
  local = await startLocalRewind({
    port: 0,
    dynamoEndpoint: proxy.endpoint,
    s3Endpoint: process.env.REWIND_TEST_S3_ENDPOINT!,
    tablePrefix: prefix,
    bucket: prefix,
    jwtSecret: `test-secret-${tag}`,
    monitoring: false,
    ...(bound ? { pointerCacheMs: Number(bound) } : {}),
  });
  // The bound the handlers were given, read back from their environment.
  boundMs = Number(local.env[ENV.pointerCacheMs]);
  api = caller(local.url, `ops.${tag}`, await mintToken(local.jwtSecret, { sub: `ops.${tag}`, roles: ['admin'], mfa: true }));
});
afterAll(async () => {
  watcher.stop();
  jest.restoreAllMocks();
  await local?.stop();
  await proxy?.close();
});

const pick = <T>(list: readonly T[]): T => list[Math.floor(Math.random() * list.length)]!;
const served = (p: Pointer): number[] => [p.stable, p.candidate?.version].filter((v): v is number => typeof v === 'number');

/** A request that may meet a store fault: a connection error is recorded as status 0. */
async function send(method: string, path: string, body?: unknown): Promise<Reply & { sent: number; returned: number }> {
  const sent = performance.now();
  const reply = await api.request(method, path, body).catch(() => ({ status: 0, body: undefined }));
  return { ...reply, sent, returned: performance.now() };
}

/** The pointer as it is now (read until the store answers: faults are injected on reads too). */
async function pointerNow(): Promise<Pointer> {
  const reply = await eventually(() => send('GET', `/views/${view}`), (r) => r.status === 200, 30_000);
  return reply.body.pointer as Pointer;
}

it(`serves every read from a whole version within the staleness bound while a chaos loop changes the pointer (${SECONDS} s)`, async () => {
  const startedAt = performance.now();
  // arrange: four versions, v1 served; no faults while setting up.
  for (const v of VERSIONS) {
    const reply = await api.post(`/views/${view}/versions`, deployBody(v.seed, v.rows, { activate: v.version === 1, reason: 'soak#setup' }));
    expect({ version: v.version, status: reply.status }).toEqual({ version: v.version, status: 201 });
  }
  const setupReturned = performance.now();
  proxy.plan({ share: FAULT_SHARE, kinds: ['reset', 'throttle'] });

  // act: readers and chaos until the time or the op budget runs out.
  const reads: Read[] = [];
  const ops: Op[] = [];
  const deadline = performance.now() + SECONDS * 1000;
  let chaosDone = false;
  const running = () => !chaosDone && performance.now() < deadline;

  const reader = async () => {
    while (running()) {
      const entity = `u${Math.floor(Math.random() * ENTITIES)}`;
      const r = await send('GET', `/online/${view}/${entity}`);
      reads.push({ entity, sent: r.sent, returned: r.returned, status: r.status, body: r.body });
    }
  };

  /** When each version stopped being served (the return of the change that stopped it), while it is not served. */
  const unservedSince = new Map<number, number>(VERSIONS.filter((v) => v.version !== 1).map((v) => [v.version, setupReturned]));
  let pointer = await pointerNow();
  let id = 0;
  const change = async (kind: string, method: string, path: (reason: string) => string, body: (reason: string) => unknown, pointerChange = true) => {
    id += 1;
    const reason = `soak#${id} ${kind}`;
    const r = await send(method, path(reason), body(reason));
    ops.push({ id, kind, reason, sent: r.sent, returned: r.returned, status: r.status, pointerChange });
    return r;
  };
  const activate = (kind: string, body: Record<string, unknown>) => change(kind, 'POST', () => `/views/${view}/activate`, (reason) => ({ ...body, reason }));
  const rollback = (kind: string, body: Record<string, unknown>) => change(kind, 'POST', () => `/views/${view}/rollback`, (reason) => ({ ...body, reason }));
  const purge = (version: number) => change('purge', 'DELETE', () => `/views/${view}/versions/${version}/online`, () => undefined, false);
  /** Versions nobody has been served for longer than the bound: a purge of one cannot hit a cached pointer. */
  const purgeable = () => [...unservedSince].filter(([, since]) => performance.now() - since > boundMs + 50).map(([v]) => v);
  /** Sends `first` and, 0–200 ms later, `second`, both in flight together. */
  const race = async (first: () => Promise<unknown>, second: () => Promise<unknown>) => {
    const a = first();
    await new Promise((r) => setTimeout(r, Math.random() * 200)); // the gap between two operators' clicks, not a synchronization
    await Promise.all([a, second()]);
  };

  const chaos = async () => {
    while (running() && id < MAX_OPS) {
      const others = VERSIONS.map((v) => v.version).filter((v) => v !== pointer.stable && v !== pointer.candidate?.version);
      const idle = purgeable().filter((v) => others.includes(v));
      const feature = pick(SWITCHABLE);
      const moves: (() => Promise<unknown>)[] = pointer.candidate
        ? [
            () => change('promote', 'POST', () => `/views/${view}/promote`, (reason) => ({ reason })),
            () => rollback('rollback-candidate', {}),
            () => activate('canary-widen', { version: pointer.candidate!.version, strategy: 'canary', percent: pick([20, 40, 60]) }),
          ]
        : [
            () => activate('activate', { version: pick(others) }),
            () => activate('canary', { version: pick(others), strategy: 'canary', percent: pick([10, 30, 50]) }),
            () => activate('shadow', { version: pick(others), strategy: 'shadow' }),
            () => rollback('rollback', {}),
            () => rollback('rollback-to', { toVersion: pick(others) }),
          ];
      moves.push(() =>
        change(pointer.disabledFeatures.includes(feature) ? 'enable' : 'disable', 'POST', () => `/views/${view}/features/${feature}/${pointer.disabledFeatures.includes(feature) ? 'enable' : 'disable'}`, (reason) => ({ reason })),
      );
      if (idle.length) {
        const target = pick(idle);
        moves.push(() => purge(target), () => purge(target));
        // The operator races: a purge of a version nobody is served, and a change that serves it again.
        if (!pointer.candidate) {
          moves.push(
            () => race(() => purge(target), () => rollback('race-rollback', { toVersion: target })),
            () => race(() => rollback('race-rollback', { toVersion: target }), () => purge(target)),
            () => race(() => purge(target), () => activate('race-canary', { version: target, strategy: 'canary', percent: 50 })),
          );
        }
      }
      await pick(moves)();
      pointer = await pointerNow();
      // Read after the change returned: a version unserved now has been since at most this instant.
      const now = performance.now();
      for (const v of VERSIONS.map((x) => x.version)) {
        if (served(pointer).includes(v)) unservedSince.delete(v);
        else if (!unservedSince.has(v)) unservedSince.set(v, now);
      }
    }
    chaosDone = true;
  };
  await Promise.all([chaos(), ...Array.from({ length: READERS }, reader)]);
  const soakMs = performance.now() - startedAt;

  // The store heals; one last read of every entity, judged like the others.
  proxy.heal();
  for (let i = 0; i < ENTITIES; i++) {
    const r = await send('GET', `/online/${view}/u${i}`);
    reads.push({ entity: `u${i}`, sent: r.sent, returned: r.returned, status: r.status, body: r.body });
  }

  // assert: judge every read against the history.
  const history = ((await api.get(`/views/${view}/history?limit=1000`)).body.history as { revision: number; reason?: string; after: Pointer }[]).sort((a, b) => a.revision - b.revision);
  const opByReason = new Map(ops.map((o) => [o.reason, o]));
  const states = history.map((h, i) => {
    const op = h.reason === 'soak#setup' ? { sent: -Infinity, returned: setupReturned } : opByReason.get(h.reason ?? '');
    return { revision: h.revision, pointer: h.after, op, next: history[i + 1] };
  });
  const unmatched = states.filter((s) => !s.op).map((s) => s.revision);
  const windowOf = (i: number) => {
    const next = states[i + 1];
    return { from: states[i]!.op?.sent ?? -Infinity, to: next ? (next.op?.returned ?? Infinity) : Infinity };
  };

  const problems = { notFound: [] as unknown[], wrongValues: [] as unknown[], stale: [] as unknown[], serverErrors: [] as unknown[], unexpected: [] as unknown[] };
  let unavailable = 0;
  let checked = 0;
  for (const read of reads) {
    if (read.status === 503) {
      unavailable += 1;
      continue;
    }
    if (read.status >= 500) {
      problems.serverErrors.push(read);
      continue;
    }
    if (read.status !== 200 || !read.body) {
      problems.unexpected.push(read);
      continue;
    }
    checked += 1;
    const got = read.body;
    const row = truth.get(got.version)?.get(read.entity);
    if (row && !got.found) problems.notFound.push({ entity: read.entity, version: got.version, sentMs: Math.round(read.sent - startedAt) });
    const disabled = new Set(got.disabled ?? []);
    const expected = Object.fromEntries(Object.keys(DEFAULTS).map((f) => [f, row && !disabled.has(f) ? row[f] : DEFAULTS[f]]));
    if ((row ? true : false) === got.found && JSON.stringify(got.features) !== JSON.stringify(expected))
      problems.wrongValues.push({ entity: read.entity, version: got.version, got: got.features, expected });
    // Which states could have served it, and does one of them give this entity this answer?
    const possible = states.filter((_, i) => {
      const w = windowOf(i);
      return w.from <= read.returned && w.to >= read.sent - boundMs;
    });
    const explained = possible.some(({ pointer: p }) => {
      const routed = route(p, read.entity);
      return (
        routed.version === got.version &&
        (routed.arm ?? undefined) === (got.arm ?? undefined) &&
        [...p.disabledFeatures].sort().join() === [...disabled].sort().join()
      );
    });
    if (!explained)
      problems.stale.push({
        entity: read.entity,
        got: { version: got.version, arm: got.arm, disabled: got.disabled },
        sentMs: Math.round(read.sent - startedAt),
        possible: possible.map((s) => ({ revision: s.revision, stable: s.pointer.stable, candidate: s.pointer.candidate?.version, disabled: s.pointer.disabledFeatures })),
      });
  }

  const refusedChanges = ops.filter((o) => o.pointerChange && o.status >= 400 && o.status < 500);
  const rejectedWrites = refusedChanges.filter((o) => history.some((h) => h.reason === o.reason));
  const opServerErrors = ops.filter((o) => o.status >= 500 && o.status !== 503);
  const opUnavailable = ops.filter((o) => o.status === 503 || o.status === 0).length;
  const verify = (await api.get('/audit/verify')).body as { ok: boolean; problems?: unknown[] };
  const outcomes: Record<string, number> = {};
  for (const o of ops) outcomes[`${o.kind} ${o.status}`] = (outcomes[`${o.kind} ${o.status}`] ?? 0) + 1;

  recordFigures('soak', {
    requests: watcher.traffic.requests,
    storeRequests: proxy.counters.requests,
    faults: addFaults({}, proxy.counters),
    checkedReads: checked,
    staleReads: problems.stale.length,
    notFound: problems.notFound.length,
    serverErrors: problems.serverErrors.length + opServerErrors.length,
    unavailable: unavailable + opUnavailable,
    rejectedWrites: rejectedWrites.length,
    durationMs: Math.round(soakMs),
    notes: [
      `soak: ${ops.length} chaos operations, ${history.length} pointer revisions, ${reads.length} reads by ${READERS} readers, bound ${boundMs} ms, fault share ${FAULT_SHARE}, ${relayRetries} outbox polls retried after a fault`,
      ...(problems.wrongValues.length ? [`soak: ${problems.wrongValues.length} reads with wrong values`] : []),
      ...(verify.ok ? [] : ['soak: GET /audit/verify not ok']),
    ],
  });

  console.log(`soak outcomes (operation status: count): ${JSON.stringify(outcomes)}\nfirst found:false: ${JSON.stringify(problems.notFound.slice(0, 5))}`);
  // The suite proves something only if the chaos really happened and the readers really read.
  // (A floor, not a target: a loaded 2-core machine gets through few operations in 15 s.)
  expect(ops.length).toBeGreaterThanOrEqual(5);
  expect(ops.filter((o) => o.kind === 'purge' && o.status === 200).length).toBeGreaterThan(0);
  expect(checked).toBeGreaterThan(ops.length);
  expect(unmatched).toEqual([]);
  expect(problems.notFound.slice(0, 20)).toEqual([]);
  expect(problems.wrongValues.slice(0, 20)).toEqual([]);
  expect(problems.stale.slice(0, 10)).toEqual([]);
  expect(problems.serverErrors).toEqual([]);
  expect(problems.unexpected.slice(0, 10)).toEqual([]);
  expect(opServerErrors).toEqual([]);
  // 503 is the documented answer to a store fault, and only to one.
  if (proxy.faults() === 0) expect(unavailable + opUnavailable).toBe(0);
  expect(rejectedWrites).toEqual([]);
  expect(verify).toMatchObject({ ok: true });
});
