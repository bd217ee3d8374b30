/**
 * The Rewind a suite talks to, in one of two modes, with the same interface:
 *
 * - local (`npm test`): the local runtime in this worker, on the emulators the global setup
 *   started (or LocalStack's, when AWS_ENDPOINT_URL points there), with fresh tables and a
 *   fresh bucket per suite and HS256 tokens from the suite's own secret;
 * - deployed (REWIND_API_URL set: `npm run test:deployed`, `test:localstack`, `test:stand-in`):
 *   a stack running elsewhere, reached only over HTTP, whose tables and bucket are shared by
 *   every suite and every earlier run, with RS256 tokens from the test issuer the stack trusts
 *   (REWIND_TEST_ISSUER, test/support/oidc-issuer.ts).
 *
 * So that one suite's assertions cannot see another's data on a shared stack, every suite
 * names its views with `rewind.view(base)` and its people with `rewind.as(sub)`: both carry a
 * tag unique to this suite run, in BOTH modes, so a suite that forgets passes nowhere.
 */
import { randomBytes } from 'node:crypto';
import { followUpsFirst, settledDump } from './settled';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { SNAPSHOT_BUCKET_ENV, TABLES, isAuditHeadPartition } from '../../contract/tables';
import { startLocalRewind, type LocalOptions, type LocalRewind } from '../../local/runtime';
import { mintToken } from '../../local/tokens';
import { createS3Client } from '../../store/clients';
import { ISSUER_KEY_ENV, loadIssuerKey, mintIssuerToken } from './oidc-issuer';

export interface TestRewind {
  mode: 'local' | 'deployed';
  /** The API's base URL. */
  url: string;
  /** Table names, bucket and endpoints, as the handlers see them (for direct SDK checks). */
  env: Record<string, string>;
  bucket: string;
  /** This suite run's tag: part of every view name and every sub the suite uses. */
  tag: string;
  /** A view name unique to this suite run, e.g. view('user_profile') → 'user_profile_t1a2b3c4d'. */
  view(base: string): string;
  /** A caller whose token carries `${sub}.${tag}` (read it back as `caller.sub`), the roles and MFA. */
  as(sub: string, roles: string[], options?: { mfa?: boolean }): Promise<Caller>;
  /**
   * Everything stored, for before/after comparisons: every item and object key; on a deployed
   * stack, only those that mention this suite's tag (its views and its people). The audit
   * table's entries are under `audit`, its chain heads apart under `auditHeads`.
   */
  dump(): Promise<{ tables: Record<string, unknown[]>; objects: string[] }>;
  /** The in-process runtime, for `*.local.test.ts` suites (startLocalTestRewind); absent when deployed. */
  local?: LocalRewind;
  stop(): Promise<void>;
}

export interface Reply<T = any> {
  status: number;
  body: T;
}

export interface Caller {
  /** The `sub` in this caller's token: what the audit log records as the actor. */
  sub: string;
  token: string;
  get<T = any>(path: string): Promise<Reply<T>>;
  post<T = any>(path: string, body?: unknown): Promise<Reply<T>>;
  del<T = any>(path: string): Promise<Reply<T>>;
  request<T = any>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Reply<T>>;
}

type Options = Pick<LocalOptions, 'pointerCacheMs' | 'monitoring' | 'outboxPollMs' | 'openLineageUrl' | 'openLineageRetryDelayMs'>;

/** True when the suites are pointed at a deployed stack rather than a runtime of their own. */
export const DEPLOYED = Boolean(process.env.REWIND_API_URL);

export async function startTestRewind(name: string, options: Options = {}): Promise<TestRewind> {
  const tag = `t${randomBytes(4).toString('hex')}`;
  return DEPLOYED ? deployedRewind(tag) : localRewind(name, tag, options);
}

/** For suites that drive parts of the runtime in process (the monitor, the bake check, …). */
export async function startLocalTestRewind(name: string, options: Options = {}): Promise<TestRewind & { local: LocalRewind }> {
  if (DEPLOYED) throw new Error(`${name}: this suite drives the local runtime in process or would damage a shared stack; *.local.test.ts suites never run against a deployed stack`);
  return (await startTestRewind(name, options)) as TestRewind & { local: LocalRewind };
}

async function localRewind(name: string, tag: string, options: Options): Promise<TestRewind> {
  const prefix = `t-${name}-${tag}`;
  const dynamoEndpoint = process.env.REWIND_TEST_DYNAMODB_ENDPOINT;
  const s3Endpoint = process.env.REWIND_TEST_S3_ENDPOINT;
  if (!dynamoEndpoint || !s3Endpoint) throw new Error('integration tests need the jest globalSetup (test/support/global-setup.ts)');
  const bucket = prefix.toLowerCase();
  const local = await startLocalRewind({ port: 0, dynamoEndpoint, s3Endpoint, tablePrefix: prefix, bucket, jwtSecret: `test-secret-${tag}`, ...options });
  return {
    ...common(tag, local.url, local.env, (sub, roles, mfa) => mintToken(local.jwtSecret, { sub, roles, mfa })),
    mode: 'local',
    local,
    // Each suite has tables of its own here, so everything in them is the suite's.
    dump: () => settledDump(() => dump(local.env, () => true)),
    stop: () => local.stop(),
  };
}

async function deployedRewind(tag: string): Promise<TestRewind> {
  const keyFile = process.env[ISSUER_KEY_ENV];
  if (!keyFile) throw new Error(`${ISSUER_KEY_ENV} must name the test issuer's key file when REWIND_API_URL is set (test/support/oidc-issuer.ts)`);
  const key = loadIssuerKey(keyFile);
  const names = [SNAPSHOT_BUCKET_ENV, ...TABLES.map((t) => t.envVar)];
  const missing = names.filter((n) => !process.env[n]);
  if (missing.length) throw new Error(`a deployed run needs the stack's table and bucket names: ${missing.join(', ')} (scripts/localstack.ts sets them from the outputs)`);
  const env = Object.fromEntries(names.map((n) => [n, process.env[n]!]));
  return {
    ...common(tag, process.env.REWIND_API_URL!.replace(/\/$/, ''), env, (sub, roles, mfa) => mintIssuerToken(key, { sub, roles, mfa })),
    mode: 'deployed',
    dump: () => settledDump(() => dump(env, (text) => text.includes(tag))),
    // The stack outlives the suite; its views stay, tagged, like any other user's.
    stop: async () => undefined,
  };
}

function common(tag: string, url: string, env: Record<string, string>, mint: (sub: string, roles: string[], mfa: boolean | undefined) => Promise<string>) {
  return {
    tag,
    url,
    env,
    bucket: env[SNAPSHOT_BUCKET_ENV]!,
    view: (base: string) => `${base}_${tag}`,
    as: async (sub: string, roles: string[], o: { mfa?: boolean } = {}) => {
      const tagged = `${sub}.${tag}`;
      return caller(url, tagged, await mint(tagged, roles, o.mfa));
    },
  };
}

async function dump(env: Record<string, string>, mine: (text: string) => boolean): Promise<{ tables: Record<string, unknown[]>; objects: string[] }> {
  // Endpoints and credentials come from the environment, as for the handlers.
  const db = new DynamoDBClient({});
  const s3 = createS3Client({ forcePathStyle: process.env.REWIND_S3_FORCE_PATH_STYLE === 'true' });
  try {
    const tables: Record<string, unknown[]> = {};
    // Follow-ups first: a runbook writes its audit entry before its follow-up, so a follow-up
    // seen here has its entry in the scans that come after (test/support/settled.ts).
    for (const t of followUpsFirst(TABLES)) {
      const items: string[] = [];
      let ExclusiveStartKey: Record<string, any> | undefined;
      do {
        const page = await db.send(new ScanCommand({ TableName: env[t.envVar], ExclusiveStartKey, ConsistentRead: true }));
        items.push(...(page.Items ?? []).map((i) => JSON.stringify(i)).filter(mine));
        ExclusiveStartKey = page.LastEvaluatedKey;
      } while (ExclusiveStartKey);
      tables[t.id] = items.sort();
    }
    // A chain's head is an item of the audit table but not an entry.
    const isHead = (item: string) => isAuditHeadPartition((JSON.parse(item) as { chain?: { S?: string } }).chain?.S);
    tables.auditHeads = (tables.audit as string[]).filter(isHead);
    tables.audit = (tables.audit as string[]).filter((item) => !isHead(item));
    // The refusal log holds the record of every refused request (bad input and 403s alike): that
    // record is what a refusal may write, so it is left out of the before/after comparisons;
    // suites that check a refusal was recorded read it back through GET /audit.
    delete tables.refusals;
    const objects: string[] = [];
    let ContinuationToken: string | undefined;
    do {
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: env[SNAPSHOT_BUCKET_ENV], ContinuationToken }));
      objects.push(...(listed.Contents ?? []).map((o) => o.Key!).filter(mine));
      ContinuationToken = listed.NextContinuationToken;
    } while (ContinuationToken);
    return { tables, objects: objects.sort() };
  } finally {
    db.destroy();
    s3.destroy();
  }
}

export function caller(url: string, sub: string, token: string): Caller {
  const request = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(url + path, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  return {
    sub,
    token,
    request,
    get: (path) => request('GET', path),
    post: (path, body) => request('POST', path, body ?? {}),
    del: (path) => request('DELETE', path),
  };
}

/**
 * A purge of a version that stopped being served less than one pointer-cache bound ago is
 * refused (409 RecentlyServed, core/purge.ts): polls the purge until that bound has passed
 * and returns its real answer.
 */
export async function purgeOnceUnread(api: Caller, view: string, version: number): Promise<Reply> {
  return eventually(
    () => api.del(`/views/${view}/versions/${version}/online`),
    (r) => r.body?.error?.code !== 'RecentlyServed',
  );
}

/**
 * Waits until no server can hold a pointer of `view` cached from before its last change
 * (`boundMs`: the runtime's REWIND_POINTER_CACHE_MS, 1000 ms by default): after it, a version
 * that change stopped serving may be purged. For races that need the purge to be allowed.
 */
export async function pastPointerCache(api: Caller, view: string, boundMs = 1000): Promise<void> {
  const changed = Date.parse((await api.get(`/views/${view}`)).body.pointer.updatedAt as string);
  await eventually(async () => Date.now(), (now) => now > changed + boundMs + 20, boundMs + 10_000);
}

/** Poll until `check` passes or the deadline passes; returns the last value checked. */
export async function eventually<T>(probe: () => Promise<T>, check: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (check(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms; last value: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 50)); // poll interval, bounded by the deadline above
  }
}
