/**
 * The local runtime as a real process, started as `npm start` starts it (tsx local/main.ts),
 * with the environment a suite gives it (its own REWIND_DATA_DIR and ports). Suites that stop
 * it with Ctrl-C, kill it with `kill -9` and start it again on the same data all use this.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { eventually } from './rewind';

export const root = join(__dirname, '..', '..');
export const tsx = join(root, 'node_modules', '.bin', 'tsx');
/**
 * Node with tsx's loader, in ONE process: the `tsx` binary would run main.ts in a child of its
 * own, so a `kill -9` of the spawned pid would kill the wrapper and leave the runtime running.
 */
const RUNTIME_COMMAND = [process.execPath, ['--import', 'tsx', 'local/main.ts']] as const;

export interface Started {
  child: ChildProcess;
  output: () => string;
  url: string;
  token: string;
  /** The admin token's `sub`, as the process minted it. */
  sub: string;
  /** DynamoDB Local's endpoint, as the process printed it. */
  dynamoEndpoint: string;
  /** Where the online table lives: npm start's in-memory DynamoDB Local (a new one each start), else `dynamoEndpoint`. */
  onlineDynamoEndpoint: string;
}

/** Starts `npm start` and waits (polling its output, 60 s deadline) until it prints its admin token. */
export async function start(env: Record<string, string>): Promise<Started> {
  const child = spawn(RUNTIME_COMMAND[0], [...RUNTIME_COMMAND[1]], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  await eventually(async () => output, (o) => /admin token for this session:\n\S+/.test(o) || child.exitCode !== null, 60_000);
  const url = /serving on (\S+)/.exec(output)?.[1];
  const token = /admin token for this session:\n(\S+)/.exec(output)?.[1];
  const dynamoEndpoint = /DynamoDB Local (http:\/\/\S+?),/.exec(output)?.[1];
  if (!url || !token || !dynamoEndpoint) throw new Error(`npm start did not come up:\n${output}`);
  const { sub } = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { sub: string };
  const onlineDynamoEndpoint = /online: +in memory \(DynamoDB Local (http:\/\/[^)\s]+)\)/.exec(output)?.[1] ?? dynamoEndpoint;
  return { child, output: () => output, url, token, sub, dynamoEndpoint, onlineDynamoEndpoint };
}

export function exited(child: ChildProcess): Promise<number | null> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve(child.exitCode)
    : new Promise((r) => child.once('exit', (code) => r(code)));
}

/** Ctrl-C, then wait for the process to exit. */
export async function stop(started: Started): Promise<number | null> {
  started.child.kill('SIGINT');
  return exited(started.child);
}

/** `kill -9`: the process gets no chance to stop anything. */
export async function kill9(started: Started): Promise<void> {
  started.child.kill('SIGKILL');
  await exited(started.child);
}

export function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}
