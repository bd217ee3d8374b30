import { createConnection, createServer } from 'node:net';

/** A TCP port nobody listens on right now, chosen by the OS. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export class PortTakenError extends Error {
  constructor(
    readonly port: number,
    what: string,
  ) {
    super(`port ${port} (${what}) is taken by another process; stop that process or choose another port`);
    this.name = 'PortTakenError';
  }
}

/** True when something accepts connections on the port, or it cannot be bound on loopback. */
export async function portTaken(port: number): Promise<boolean> {
  const accepts = await new Promise<boolean>((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
  if (accepts) return true;
  return new Promise<boolean>((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(true));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(false)));
  });
}

/** Throws a PortTakenError naming `what` (e.g. the variable that pinned it) when the port is taken. */
export async function assertPortFree(port: number, what: string): Promise<void> {
  if (await portTaken(port)) throw new PortTakenError(port, what);
}

/** Poll `probe` until it resolves true or the deadline passes. */
export async function waitUntil(probe: () => Promise<boolean>, what: string, timeoutMs = 30_000, intervalMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
