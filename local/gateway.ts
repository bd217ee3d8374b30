/**
 * A stand-in for API Gateway (HTTP API, payload format 2.0): verifies the bearer token as
 * the JWT authorizer would, turns each HTTP request into the same event API Gateway sends,
 * and calls the SAME Lambda handler the stack deploys for that route (contract/routes.ts).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { errors } from 'jose';
import { ROUTES, routeKey, type RouteSpec } from '../contract/routes';
import type { HttpEvent } from '../functions/http/route';
import { CONSOLE_PATH, serveConsole, type ConsoleAssets } from './console-assets';
import type { TokenVerifier } from './tokens';

type Handler = (event: HttpEvent, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

interface CompiledRoute {
  spec: RouteSpec;
  pattern: RegExp;
  names: string[];
}

/**
 * API Gateway's HTTP API payload limit. It is also what keeps an oversized row from reaching
 * DynamoDB Local: a BatchWriteItem over its 16 MB request limit is answered 413 and the socket
 * closed while the SDK is still writing the body, and that EPIPE is emitted on the SDK's
 * request socket after its promise settled, with no listener left: an uncaught exception that
 * killed `npm start` (issue 10, finding 7). Under 10 MB a batch stays under 16 MB.
 */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;

function compile(spec: RouteSpec): CompiledRoute {
  const names: string[] = [];
  const source = spec.path.replace(/\{(\w+)\}/g, (_, name: string) => (names.push(name), '([^/]+)'));
  return { spec, pattern: new RegExp(`^${source}$`), names };
}

/** Loads a route's handler the way Lambda would: the module's `handler` export. */
export async function loadHandler(spec: RouteSpec): Promise<Handler> {
  const mod = (await import(`../functions/${spec.handler}`)) as { handler: Handler };
  return mod.handler;
}

export interface GatewayOptions {
  /** The JWT authorizer: the local secret (secretVerifier) or a trusted issuer (issuerVerifier). */
  verifyToken: TokenVerifier;
  onRequest?: (info: { routeKey: string; status: number; ms: number }) => void;
  /**
   * While this returns a refusal, every request is answered 503 with it and Retry-After, and
   * reaches no handler: the local runtime while it starts (`Starting`) or rebuilds its in-memory
   * online table (`Rebuilding`, local/runtime.ts) serves nothing partial and lets no change land.
   */
  unavailable?: () => { code: string; message: string } | undefined;
  /** The web console's bundle, served at /ui (local/console-assets.ts); absent: no /ui. */
  console?: ConsoleAssets;
}

export function createGateway(options: GatewayOptions): Server {
  const routes = ROUTES.map(compile);
  const handlers = new Map<RouteSpec, Promise<Handler>>();
  const handlerFor = (spec: RouteSpec) => {
    if (!handlers.has(spec)) handlers.set(spec, loadHandler(spec));
    return handlers.get(spec)!;
  };

  return createServer((req, res) => {
    const started = performance.now();
    serve(req, res)
      .then((status) => options.onRequest?.({ routeKey: `${req.method} ${req.url}`, status, ms: performance.now() - started }))
      .catch((error: unknown) => {
        console.error('local gateway error', error);
        if (!res.headersSent) send(res, { statusCode: 500, body: JSON.stringify({ error: { code: 'InternalError', message: 'internal error' } }) });
      });
  });

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<number> {
    // The console's static files load even while the runtime starts: it shows the API's 503 itself.
    const consolePath = options.console && (req.method === 'GET' || req.method === 'HEAD') ? new URL(req.url ?? '/', 'http://local').pathname : undefined;
    if (consolePath !== undefined && (consolePath === CONSOLE_PATH || consolePath.startsWith(`${CONSOLE_PATH}/`))) {
      req.resume();
      return serveConsole(options.console!, consolePath, res);
    }
    const unavailable = options.unavailable?.();
    if (unavailable !== undefined) {
      req.resume(); // the body, unread, is drained so the connection can be reused
      const refused = errorResult(503, unavailable.code, unavailable.message);
      return send(res, { ...refused, headers: { ...refused.headers, 'retry-after': '2' } });
    }
    const url = new URL(req.url ?? '/', 'http://local');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const match = routes.map((r) => ({ r, m: r.pattern.exec(path) })).find(({ r, m }) => m && r.spec.method === req.method);
    if (!match) {
      const pathKnown = routes.some((r) => r.pattern.test(path));
      return send(res, pathKnown ? errorResult(405, 'MethodNotAllowed', `${req.method} is not allowed on ${path}`) : errorResult(404, 'NotFound', `no route for ${path}`));
    }
    const auth = await authorize(req.headers.authorization);
    if ('refused' in auth) return send(res, unauthenticated(auth.refused));
    const { claims } = auth;

    const body = await readBody(req);
    if (typeof body === 'number')
      return send(res, errorResult(413, 'PayloadTooLarge', `the request body is ${body} bytes; API Gateway accepts at most ${MAX_BODY_BYTES} bytes (10 MB)`, 'body'));
    const pathParameters = decodePathParameters(match.r.names, match.m!);
    if (!pathParameters) return send(res, errorResult(400, 'ValidationError', `path '${path}' is not valid percent-encoding`, 'path'));
    const event = toEvent(req, url, match.r.spec, pathParameters, claims, body);
    const handler = await handlerFor(match.r.spec);
    const result = await handler(event, lambdaContext(match.r.spec));
    return send(res, result);
  }

  /** The claims, or why there are none: `refused` is undefined when no token was sent. */
  async function authorize(header: string | undefined): Promise<{ claims: Record<string, string> } | { refused: string | undefined }> {
    const token = /^Bearer (.+)$/i.exec(header ?? '')?.[1];
    if (!token) return { refused: undefined };
    try {
      return { claims: flattenClaims(await options.verifyToken(token)) };
    } catch (error) {
      // jose's messages name the failed check ('missing required "exp" claim', '"exp" claim
      // timestamp check failed', 'signature verification failed') and nothing secret.
      return { refused: error instanceof errors.JOSEError ? error.message : `the token could not be verified (${(error as Error).message})` };
    }
  }
}

/**
 * A 401 as API Gateway's JWT authorizer gives it: the failed check in an RFC 6750
 * `www-authenticate` challenge, and here in the body's message too.
 */
function unauthenticated(refused: string | undefined): APIGatewayProxyStructuredResultV2 {
  if (refused === undefined) return errorResult(401, 'Unauthenticated', 'send Authorization: Bearer <token> (mint one with `rewind token`)');
  const result = errorResult(401, 'Unauthenticated', `bearer token refused: ${refused}`);
  return { ...result, headers: { ...result.headers, 'www-authenticate': `Bearer error="invalid_token", error_description=${JSON.stringify(refused)}` } };
}

/** API Gateway hands claims to Lambda as strings, arrays as "[a b]"; so does this. */
function flattenClaims(payload: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(payload).map(([k, v]) => [k, Array.isArray(v) ? `[${v.join(' ')}]` : String(v)]),
  );
}

function toEvent(
  req: IncomingMessage,
  url: URL,
  spec: RouteSpec,
  pathParameters: Record<string, string>,
  claims: Record<string, string>,
  body: string,
): HttpEvent {
  const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : (v ?? '')]));
  const query = Object.fromEntries(url.searchParams);
  const now = new Date();
  return {
    version: '2.0',
    routeKey: routeKey(spec),
    rawPath: url.pathname,
    rawQueryString: url.searchParams.toString(),
    headers,
    ...(Object.keys(query).length ? { queryStringParameters: query } : {}),
    ...(Object.keys(pathParameters).length ? { pathParameters } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      authorizer: { jwt: { claims, scopes: [] }, principalId: '', integrationLatency: 0 },
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'local',
      http: { method: spec.method, path: url.pathname, protocol: 'HTTP/1.1', sourceIp: req.socket.remoteAddress ?? '127.0.0.1', userAgent: headers['user-agent'] ?? '' },
      requestId: randomUUID(),
      routeKey: routeKey(spec),
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(body ? { body } : {}),
    isBase64Encoded: false,
  } as HttpEvent;
}

export function lambdaContext(spec: Pick<RouteSpec, 'handler'>): Context {
  const deadline = Date.now() + 30_000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: `rewind-${spec.handler}`,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:rewind-${spec.handler}`,
    memoryLimitInMB: '512',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/rewind-${spec.handler}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/**
 * The body as text, or its size when over the limit. An oversized body is still read to its end
 * (and dropped) so the client, which is still sending, gets the 413 rather than a broken pipe.
 */
function readBody(req: IncomingMessage): Promise<string | number> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
      else chunks.length = 0;
    });
    req.on('end', () => resolve(size > MAX_BODY_BYTES ? size : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Path parameters, percent-decoded; undefined when one is not valid percent-encoding. */
function decodePathParameters(names: string[], match: RegExpExecArray): Record<string, string> | undefined {
  try {
    return Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(match[i + 1]!)]));
  } catch (error) {
    if (error instanceof URIError) return undefined;
    throw error;
  }
}

function errorResult(statusCode: number, code: string, message: string, field?: string): APIGatewayProxyStructuredResultV2 {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ error: { code, message, ...(field ? { field } : {}) } }) };
}

function send(res: ServerResponse, result: APIGatewayProxyStructuredResultV2): number {
  const status = result.statusCode ?? 200;
  res.writeHead(status, { 'content-type': 'application/json', ...(result.headers as Record<string, string> | undefined) });
  res.end(result.body ?? '');
  return status;
}
