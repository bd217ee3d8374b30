/**
 * Test helpers over a real local Rewind: the emulators started by the global setup (or,
 * when AWS_ENDPOINT_URL points at LocalStack, those), fresh tables and bucket per suite, and
 * a small HTTP client that mints tokens for any role.
 */
import { randomBytes } from 'node:crypto';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { TABLES } from '../../contract/tables';
import { startLocalRewind, type LocalOptions, type LocalRewind } from '../../local/runtime';
import { mintToken } from '../../local/tokens';

export interface TestRewind extends LocalRewind {
  tablePrefix: string;
  bucket: string;
  as(sub: string, roles: string[], options?: { mfa?: boolean }): Promise<Caller>;
  /** Everything stored: every table's items and every object key, for before/after comparisons. */
  dump(): Promise<{ tables: Record<string, unknown[]>; objects: string[] }>;
}

export interface Reply<T = any> {
  status: number;
  body: T;
}

export interface Caller {
  token: string;
  get<T = any>(path: string): Promise<Reply<T>>;
  post<T = any>(path: string, body?: unknown): Promise<Reply<T>>;
  del<T = any>(path: string): Promise<Reply<T>>;
  request<T = any>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Reply<T>>;
}

export async function startTestRewind(name: string, options: Pick<LocalOptions, 'pointerCacheMs' | 'monitoring'> = {}): Promise<TestRewind> {
  const suffix = randomBytes(3).toString('hex');
  const tablePrefix = `t-${name}-${suffix}`;
  const bucket = `t-${name}-${suffix}`.toLowerCase();
  const dynamoEndpoint = process.env.REWIND_TEST_DYNAMODB_ENDPOINT;
  const s3Endpoint = process.env.REWIND_TEST_S3_ENDPOINT;
  if (!dynamoEndpoint || !s3Endpoint) throw new Error('integration tests need the jest globalSetup (test/support/global-setup.ts)');
  const local = await startLocalRewind({ port: 0, dynamoEndpoint, s3Endpoint, tablePrefix, bucket, jwtSecret: `test-secret-${suffix}`, ...options });
  const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
  return {
    ...local,
    tablePrefix,
    bucket,
    as: async (sub, roles, o = {}) => caller(local.url, await mintToken(local.jwtSecret, { sub, roles, mfa: o.mfa })),
    dump: async () => {
      const db = new DynamoDBClient({ endpoint: dynamoEndpoint, region: 'us-east-1', credentials });
      const s3 = new S3Client({ endpoint: s3Endpoint, region: 'us-east-1', credentials, forcePathStyle: true });
      try {
        const tables: Record<string, unknown[]> = {};
        for (const t of TABLES) {
          const items: unknown[] = [];
          let ExclusiveStartKey: Record<string, any> | undefined;
          do {
            const page = await db.send(new ScanCommand({ TableName: `${tablePrefix}-${t.id}`, ExclusiveStartKey, ConsistentRead: true }));
            items.push(...(page.Items ?? []));
            ExclusiveStartKey = page.LastEvaluatedKey;
          } while (ExclusiveStartKey);
          tables[t.id] = items.map((i) => JSON.stringify(i)).sort();
        }
        const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
        return { tables, objects: (listed.Contents ?? []).map((o) => o.Key!).sort() };
      } finally {
        db.destroy();
        s3.destroy();
      }
    },
  };
}

export function caller(url: string, token: string): Caller {
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
    token,
    request,
    get: (path) => request('GET', path),
    post: (path, body) => request('POST', path, body ?? {}),
    del: (path) => request('DELETE', path),
  };
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
