/**
 * `npm run demo`: the story Rewind exists for, told against a real Rewind.
 *
 * A good version of `user_profile` is deployed and served; a faulty one (a broken
 * transformation: baskets in cents, refunds subtracted twice) is deployed and activated, its
 * values are visibly wrong, and it is rolled back; serving returns the good values within the
 * pointer cache's staleness bound. History and the audit chain show every step.
 *
 * With REWIND_URL pointing at a running Rewind (`npm start`), the demo uses it, and the same
 * `user_profile` view gains new versions on every run: that is how a view lives in
 * production (versions are numbered, never overwritten), so reruns cannot collide and the
 * history shows every run. Without one, it starts Rewind in-process, in memory, and stops
 * it at the end. Every call goes through the CLI's own client and command code.
 */
import '../local/quiet-sdk-notice';
import { join, relative } from 'node:path';
import { startLocalRewind, type LocalRewind } from '../local/runtime';
import { mintToken } from '../local/tokens';
import { RewindApiError, RewindClient, RewindUnreachableError, type ServedFeatures } from '../cli/client';
import * as commands from '../cli/commands';
import { resolveConnection } from '../cli/connection';
import { deployFromFiles } from '../cli/deploy';
import { cell, ms, table, version } from '../cli/format';
import { terminalProgress } from '../cli/upload';

/** Relative to the working directory, so that what is printed is what a person would type. */
const example = (name: string) => relative(process.cwd(), join(__dirname, name)) || name;
const files = {
  goodView: example('user_profile.view.yaml'),
  goodData: example('user_profile.v1.csv'),
  faultyView: example('user_profile.v2.view.yaml'),
  faultyData: example('user_profile.v2-faulty.jsonl'),
};
/** A plain user, one whose refunds the faulty SQL double-counts, one whose age is unknown. */
const ENTITIES = ['u0001', 'u0005', 'u0014'];
/** Serving must reflect a pointer change within the cache's bound (1 s); allow generously more. */
const SERVING_DEADLINE_MS = 10_000;

let stepNo = 0;

async function step<T>(title: string, work: () => Promise<T>, describe: (result: T) => string): Promise<T> {
  stepNo++;
  const started = performance.now();
  const result = await work();
  const took = performance.now() - started;
  const head = `${String(stepNo).padStart(2)}. ${title}`;
  console.log(`\n${head} ${'·'.repeat(Math.max(3, 72 - head.length - ms(took).length))} ${ms(took)}`);
  const body = describe(result);
  if (body) console.log(indent(body));
  return result;
}

interface Target {
  client: RewindClient;
  local?: LocalRewind;
}

/** The Rewind at REWIND_URL when one answers there, else one started in this process. */
async function connect(): Promise<Target> {
  const url = process.env.REWIND_URL;
  if (url) {
    const reached = await step(
      `connect to REWIND_URL=${url}`,
      async () => {
        const { token } = await resolveConnection({}, process.env, (note) => console.error(note));
        const client = new RewindClient({ url, token });
        try {
          await client.listViews();
          return client;
        } catch (error) {
          if (error instanceof RewindUnreachableError) return undefined;
          throw error;
        }
      },
      (client) => (client ? 'connected; the user_profile view gains new versions on every run' : 'nothing answers there; starting a Rewind in this process instead'),
    );
    if (reached) return { client: reached };
  }
  return step(
    'start Rewind in this process (DynamoDB Local + s3rver, in memory)',
    async () => {
      const local = await startLocalRewind({ port: 0 });
      const token = await mintToken(local.jwtSecret, { sub: 'demo', roles: ['deployer'] });
      return { client: new RewindClient({ url: local.url, token }), local };
    },
    (t) => `serving on ${t.local!.url}; acting as 'demo' (deployer)`,
  );
}

async function main(): Promise<void> {
  const began = performance.now();
  console.log('Rewind demo: deploy, serve, break, roll back, verify.');
  const target = await connect();
  try {
    await story(target.client);
  } finally {
    if (target.local) await step('stop the in-process Rewind', () => target.local!.stop(), () => '');
  }
  console.log(`\ndone in ${ms(performance.now() - began)}`);
}

async function story(client: RewindClient): Promise<void> {
  const progress = process.stderr.isTTY ? terminalProgress(process.stderr) : undefined;

  const good = await step(
    'deploy the good version (view file + CSV, sent inline)',
    () => deployFromFiles(client, { viewFile: files.goodView, data: files.goodData, ...(progress ? { progress } : {}) }),
    commands.describeDeploy,
  );
  const view = good.view;
  const goodVersion = good.result.version;

  await step(
    `activate v${goodVersion}`,
    async () => {
      const { pointer } = await client.getView(view);
      return client.activate(view, { version: goodVersion, expectedRevision: pointer.revision, reason: 'demo: ship the good version' });
    },
    commands.describePointerChange,
  );

  const servedGood = await step(
    `serve ${ENTITIES.length} users`,
    () => servedFrom(client, view, goodVersion),
    (s) => servedTable(s.served) + `\n(serving ${version(goodVersion)} after ${ms(s.waitedMs)})`,
  );

  // The faulty data goes through the large-file path (POST /uploads, PUT, deploy by
  // snapshotUri) on purpose, so the demo exercises what real deploys use; it is small enough
  // that the CLI would otherwise send it inline.
  const faulty = await step(
    'deploy the faulty version (new SQL, JSON lines, uploaded through /uploads)',
    () => deployFromFiles(client, { viewFile: files.faultyView, data: files.faultyData, inlineLimitBytes: 0, ...(progress ? { progress } : {}) }),
    commands.describeDeploy,
  );
  const badVersion = faulty.result.version;
  if (faulty.result.validation?.status === 'warned')
    console.log(indent(`(preflight flagged v${badVersion} but did not block it; it is about to ship anyway, as hurried releases do)`));
  if (faulty.result.status === 'rejected') {
    console.log(indent(`Rewind's preflight rejected v${badVersion} before it could ship: there is nothing to roll back.`));
    return epilogue(client, view);
  }

  const activated = await step(
    `activate v${badVersion}`,
    async () => {
      const { pointer } = await client.getView(view);
      try {
        return await client.activate(view, { version: badVersion, expectedRevision: pointer.revision, reason: 'demo: new orders_v2 pipeline' });
      } catch (error) {
        if (error instanceof RewindApiError && error.code === 'VersionRejected') return error;
        throw error;
      }
    },
    (r) => (r instanceof RewindApiError ? `refused: ${r.message}` : commands.describePointerChange(r)),
  );
  if (activated instanceof RewindApiError) return epilogue(client, view);

  await step(
    `serve the same users (now from v${badVersion})`,
    () => servedFrom(client, view, badVersion),
    (s) => servedTable(s.served, servedGood.served) + `\n(* differs from v${goodVersion}; serving ${version(badVersion)} ${ms(s.waitedMs)} after the activation returned)`,
  );

  const rolledBack = await step(
    `roll back (${version(badVersion)} → ${version(goodVersion)})`,
    async () => {
      const { pointer } = await client.getView(view);
      const started = performance.now();
      const result = await client.rollback(view, {
        toVersion: goodVersion,
        reason: 'demo: avg_basket is 100x too large and purchases_30d negative; churn-model scores jumped',
        expectedRevision: pointer.revision,
      });
      return { result, ms: performance.now() - started };
    },
    (r) => `${commands.describePointerChange(r.result)}\n(the rollback call: ${ms(r.ms)})`,
  );

  await step(
    `wait until serving returns ${version(goodVersion)} (pointer cache staleness bound ~1 s)`,
    () => servedFrom(client, view, goodVersion),
    (s) => `${version(goodVersion)} served ${ms(s.waitedMs)} after the rollback returned (the rollback call took ${ms(rolledBack.ms)})`,
  );

  await step(
    'serve the same users again',
    () => Promise.all(ENTITIES.map((e) => client.online(view, e))),
    (served) => servedTable(served, servedGood.served) + (sameValues(served, servedGood.served) ? `\n(identical to what ${version(goodVersion)} served before)` : ''),
  );

  await epilogue(client, view);
}

async function epilogue(client: RewindClient, view: string): Promise<void> {
  await step('history (newest first)', () => client.history(view, 6), (h) => commands.historyTable(h.history));
  const verdict = await step('audit verify', () => commands.auditVerify(client), (o) => o.text);
  if (verdict.exitCode) process.exitCode = verdict.exitCode;
}

/**
 * Serve every entity once `version` is what the view serves. Serving resolves the pointer
 * through a cache with bounded staleness, so right after a pointer change a read may still
 * see the previous version: poll until it does not, up to a deadline (never a fixed sleep).
 */
async function servedFrom(client: RewindClient, view: string, expected: number): Promise<{ served: ServedFeatures[]; waitedMs: number }> {
  const started = performance.now();
  const deadline = Date.now() + SERVING_DEADLINE_MS;
  for (;;) {
    const served = await Promise.all(ENTITIES.map((e) => client.online(view, e)));
    if (served.every((s) => s.version === expected)) return { served, waitedMs: performance.now() - started };
    if (Date.now() > deadline)
      throw new Error(`serving still returns ${served.map((s) => version(s.version)).join(', ')} after ${SERVING_DEADLINE_MS} ms; expected ${version(expected)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function servedTable(served: readonly ServedFeatures[], baseline?: readonly ServedFeatures[]): string {
  const names = Object.keys(served[0]?.features ?? {});
  return table(
    ['ENTITY', 'VERSION', ...names],
    served.map((s, i) => [
      s.entity,
      version(s.version),
      ...names.map((n) => {
        const value = cell(s.features[n]);
        const before = baseline?.[i]?.features[n];
        return baseline && before !== s.features[n] ? `${value} *` : value;
      }),
    ]),
  );
}

function sameValues(a: readonly ServedFeatures[], b: readonly ServedFeatures[]): boolean {
  return a.every((s, i) => JSON.stringify(s.features) === JSON.stringify(b[i]?.features));
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
}

main().catch((error: unknown) => {
  console.error(`\ndemo failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
