/**
 * A real HTTP server on the loopback that plays an on-call webhook (REWIND_NOTIFY_URL): it keeps
 * every notice POSTed to it, and can be told to fail the next N requests with a status.
 */
import { createServer, type Server } from 'node:http';

export interface ReceivedNotice {
  kind: string;
  view: string;
  key?: string;
  summary: string;
  context?: Record<string, any>;
  detail?: Record<string, any>;
  idempotencyKey?: string;
}

export interface WebhookReceiver {
  url: string;
  received: ReceivedNotice[];
  /** Requests seen, failed ones included. */
  attempts: number;
  /** Answer the next `n` requests with `status` (e.g. 503). */
  failNext(n: number, status?: number): void;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  let failing = 0;
  let failStatus = 503;
  const receiver = { received: [] as ReceivedNotice[], attempts: 0 } as WebhookReceiver;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      receiver.attempts++;
      if (failing > 0) {
        failing--;
        res.writeHead(failStatus).end();
        return;
      }
      const notice = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ReceivedNotice;
      const key = req.headers['idempotency-key'];
      receiver.received.push({ ...notice, ...(typeof key === 'string' ? { idempotencyKey: key } : {}) });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`;
  receiver.failNext = (n, status = 503) => {
    failing = n;
    failStatus = status;
  };
  receiver.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return receiver;
}

/** A loopback URL where nothing listens (a port taken, then freed): a webhook that is down. */
export async function downWebhookUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/hook`;
}
