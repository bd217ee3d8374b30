/**
 * A TCP fault proxy: listens on a loopback port, forwards to an emulator (DynamoDB Local or
 * s3rver), and injects real network faults into a chosen share of HTTP requests, so the SDK
 * meets the same sockets it would meet in a bad minute on AWS, not a mocked client.
 *
 * Faults are decided per request, not per connection: the SDK keeps connections alive, so a
 * per-connection decision would hit a whole burst of requests or none. The proxy reads each
 * request's head and `content-length` body from the client (the SDK sends DynamoDB and S3
 * requests that way and never pipelines) before deciding. A request it cannot frame (chunked
 * upload) is forwarded as raw bytes, and the rest of that connection with it.
 *
 * - delay: the request reaches the upstream `delayMs` later;
 * - drop: the connection is closed without an answer (the SDK sees "socket hang up");
 * - reset: the connection is reset (RST, `socket.resetAndDestroy()`): ECONNRESET;
 * - throttle: DynamoDB's own answer to a throttled request, HTTP 400 with the
 *   `ProvisionedThroughputExceededException` (or `ThrottlingException`) body, as DynamoDB
 *   sends it; the request never reaches the upstream.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export type FaultKind = 'delay' | 'drop' | 'reset' | 'throttle';

export interface FaultPlan {
  /** Share of requests (0–1) that get a fault; 0 forwards everything. */
  share: number;
  /** The faults to inject, one chosen at random per faulty request. */
  kinds: FaultKind[];
  delayMs?: number;
  /** Which throttling error a `throttle` fault answers with. */
  throttleType?: 'ProvisionedThroughputExceededException' | 'ThrottlingException';
  /** Only requests whose head matches (e.g. /X-Amz-Target: DynamoDB_20120810.BatchWriteItem/i) may get a fault. */
  match?: RegExp;
  /** Deterministic choices for tests of the proxy itself; Math.random otherwise. */
  random?: () => number;
}

export interface FaultCounters {
  connections: number;
  requests: number;
  forwarded: number;
  delay: number;
  drop: number;
  reset: number;
  throttle: number;
}

export interface FaultProxy {
  /** http://127.0.0.1:<port>: give it to the SDK as the endpoint. */
  endpoint: string;
  port: number;
  counters: FaultCounters;
  /** Total faults injected so far (every kind). */
  faults(): number;
  /** Change what is injected from now on (connections already open included). */
  plan(plan: Partial<FaultPlan>): void;
  /** Forward everything again. */
  heal(): void;
  /** Close the listener and every connection through it. */
  close(): Promise<void>;
}

const HEAD_END = Buffer.from('\r\n\r\n');

export async function startFaultProxy(upstream: { host?: string; port: number }, initial: Partial<FaultPlan> = {}): Promise<FaultProxy> {
  let current: FaultPlan = { share: 0, kinds: [], ...initial };
  const counters: FaultCounters = { connections: 0, requests: 0, forwarded: 0, delay: 0, drop: 0, reset: 0, throttle: 0 };
  const sockets = new Set<Socket>();

  const server: Server = createServer((client) => {
    counters.connections += 1;
    sockets.add(client);
    const target = createConnection({ host: upstream.host ?? '127.0.0.1', port: upstream.port });
    sockets.add(target);
    client.once('close', () => (sockets.delete(client), target.destroy()));
    target.once('close', () => (sockets.delete(target), client.destroy()));
    // Errors on either side end both; the other side's 'close' tells its peer.
    client.on('error', () => target.destroy());
    target.on('error', () => client.destroy());
    target.pipe(client);

    let pending = Buffer.alloc(0);
    let raw = false;
    /** Requests are handled one after another, so a delayed one cannot be overtaken. */
    let queue: Promise<void> = Promise.resolve();

    client.on('data', (chunk: Buffer) => {
      if (raw) return void target.write(chunk);
      pending = Buffer.concat([pending, chunk]);
      for (;;) {
        const framed = frame(pending);
        if (framed === 'unframable') {
          raw = true;
          const rest = pending;
          pending = Buffer.alloc(0);
          queue = queue.then(() => void target.write(rest));
          return;
        }
        if (!framed) return;
        const request = pending.subarray(0, framed.length);
        pending = pending.subarray(framed.length);
        queue = queue.then(() => handle(request, framed.head));
      }
    });

    async function handle(request: Buffer, head: string): Promise<void> {
      if (client.destroyed) return;
      counters.requests += 1;
      const plan = current;
      const random = plan.random ?? Math.random;
      const eligible = plan.kinds.length > 0 && (!plan.match || plan.match.test(head));
      const kind = eligible && random() < plan.share ? plan.kinds[Math.floor(random() * plan.kinds.length)]! : undefined;
      switch (kind) {
        case 'delay':
          counters.delay += 1;
          await new Promise((r) => setTimeout(r, plan.delayMs ?? 1000));
          break;
        case 'drop':
          counters.drop += 1;
          client.destroy();
          return;
        case 'reset':
          counters.reset += 1;
          client.resetAndDestroy();
          return;
        case 'throttle':
          counters.throttle += 1;
          client.write(throttled(plan.throttleType ?? 'ProvisionedThroughputExceededException'));
          return;
        default:
          break;
      }
      if (client.destroyed) return;
      counters.forwarded += 1;
      target.write(request);
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as { port: number };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    counters,
    faults: () => counters.delay + counters.drop + counters.reset + counters.throttle,
    plan: (plan) => (current = { ...current, ...plan }),
    heal: () => (current = { ...current, share: 0 }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** One whole request at the start of `buffer`: its length and head; undefined until it is all there. */
function frame(buffer: Buffer): { length: number; head: string } | 'unframable' | undefined {
  const end = buffer.indexOf(HEAD_END);
  if (end < 0) return undefined;
  const head = buffer.subarray(0, end).toString('latin1');
  if (/^transfer-encoding:/im.test(head)) return 'unframable';
  const length = Number(/^content-length:\s*(\d+)/im.exec(head)?.[1] ?? 0);
  const total = end + HEAD_END.length + length;
  return buffer.length >= total ? { length: total, head } : undefined;
}

/** What DynamoDB answers a throttled request with (JSON 1.0 protocol, HTTP 400). */
function throttled(type: string): Buffer {
  const body = JSON.stringify({
    __type: `com.amazonaws.dynamodb.v20120810#${type}`,
    message:
      type === 'ThrottlingException'
        ? 'Rate of requests exceeds the allowed throughput.'
        : 'The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.',
  });
  return Buffer.from(
    [
      'HTTP/1.1 400 Bad Request',
      'content-type: application/x-amz-json-1.0',
      `content-length: ${Buffer.byteLength(body)}`,
      `x-amzn-requestid: ${Math.random().toString(36).slice(2).toUpperCase().padEnd(20, 'X')}`,
      '',
      body,
    ].join('\r\n'),
  );
}
