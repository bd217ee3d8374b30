/**
 * One HTTP route = one middy handler built here, its concerns as middlewares:
 *
 *  1. `errors` (onError): every error becomes `{ error: { code, message, field? } }` in one
 *     place; a refusal (403) is audited first; 5xx stay generic, with the request id;
 *  2. `authenticate` (before): the caller from the JWT authorizer's claims, and the path;
 *     then `throttleRefused`: 429 for a principal refused too often this minute;
 *  3. `authorize` (before): the policy read once for the request, and what can be judged
 *     before the body is read (an action the caller's roles never allow on any tier);
 *  4. `parse` (before): query and body with their zod schemas (400 naming the field);
 *  5. `authorizeAtTier` (before): the action at the view's tier, through
 *     core/authorization.ts, unless the route is a pointer change, which core judges once it
 *     knows what the pointer will serve (the use case gets the `caller`).
 *
 * Neither @middy/http-json-body-parser nor @middy/http-error-handler is used: the first
 * answers 415 to a body without a JSON content type (the contract accepts any), and the
 * second answers a plain-text message where the contract's body is `{ error: { … } }`.
 */
import middy, { type MiddlewareObj } from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { z } from 'zod';
import { RequestAuthorization, type Caller, type TierHints } from '../../core/authorization';
import { parse } from '../../core/requests';
import type { Deps } from '../../core/deps';
import { ForbiddenError, ValidationError } from '../../core/errors';
import type { Principal } from '../../core/model';
import { hasMfa, type Action } from '../../core/access-policy';
import { currentPolicy } from '../../core/access-policy-store';
import { routeForHandler } from '../../contract/routes';
import { policyInForce } from '../commons/policy-cache';
import { logger } from '../commons/powertools';
import { toErrorResponse } from './errors';
import { principalFrom } from './principal';
import { refusalThrottle } from './refusal-throttle';

export type HttpEvent = APIGatewayProxyEventV2WithJWTAuthorizer;
export type HttpResult = APIGatewayProxyStructuredResultV2;

/** The ports the edge itself uses: the policy, the pointer and records for a view's tier, the audit log for refusals. */
type EdgeDeps = Pick<Deps, 'governance' | 'pointers' | 'catalog' | 'audit' | 'refusals'>;

export interface RouteInput<B, P, Q, D> {
  body: B;
  params: P;
  query: Q;
  principal: Principal;
  /** The caller and the policy this request is judged by: pass it to a pointer-change use case. */
  caller: Caller;
  deps: D;
  event: HttpEvent;
  /** Check (and on refusal, audit) one more action the request implies at the view's tier (not on a route `judgedByUseCase`). */
  authorize(action: Action): Promise<void>;
  /** The edge's half of the decision point (not on a route `judgedByUseCase`). */
  authorization: RequestAuthorization;
}

export interface RouteOptions<BS extends z.ZodType | undefined, PS extends z.ZodType | undefined, QS extends z.ZodType | undefined, D> {
  /** The ports the edge judges and audits with, when the use case's `deps` lack them (serving). @default deps */
  edge?: () => EdgeDeps;
  /** The handler's file name under functions/: its route (and so its action) is in contract/routes.ts. */
  handler: string;
  body?: BS;
  params?: PS;
  query?: QS;
  /**
   * The adapters this handler runs with. A provider, passed by each entry point, so this
   * module imports no store itself and each bundle carries only what its handler uses.
   */
  deps: () => D;
  /** Status of a successful answer (or a function of the answer, e.g. 202 for a proposal, 200 when applied); 200 unless stated. */
  status?: number | ((result: unknown) => number);
  /** Headers of a successful answer, from the answer (e.g. the Location of a redirect). */
  headers?: (result: unknown) => Record<string, string>;
  /** A successful answer as something other than JSON (e.g. Markdown for `?format=md`); undefined: JSON. */
  render?: (result: unknown, query: Parsed<QS>) => { contentType: string; body: string } | undefined;
  /** What the request itself says about the tier it acts at (versions it names, a tier it declares). */
  tierHints?: (request: { body: Parsed<BS>; params: Parsed<PS> }) => TierHints;
  /**
   * A pointer change: the use case judges everything (core/authorization.ts authorizeChange)
   * at the tier of what the pointer will serve, reading the policy in its one round of reads
   * with the pointer; the edge authenticates and parses only.
   */
  judgedByUseCase?: true;
}

type Parsed<S> = S extends z.ZodType ? z.infer<S> : undefined;

/** What the middlewares learn about one request, in order; kept on the Lambda context, as middy's own middlewares do. */
interface RouteState {
  principal?: Principal;
  caller?: Caller;
  params?: unknown;
  query?: unknown;
  body?: unknown;
  authorization?: RequestAuthorization;
}

type RouteContext = Context & { rewind?: RouteState };
type RouteMiddleware = MiddlewareObj<HttpEvent, HttpResult, Error, RouteContext>;

const stateOf = (context: RouteContext): RouteState => (context.rewind ??= {});

/** In tests only: middy's early-timeout timer would outlive a test's handler call (production keeps middy's default). */
const TEST_OPTIONS: { timeoutEarlyInMillis?: number } = process.env.NODE_ENV === 'test' ? { timeoutEarlyInMillis: 0 } : {};

export function httpRoute<
  D extends object,
  BS extends z.ZodType | undefined = undefined,
  PS extends z.ZodType | undefined = undefined,
  QS extends z.ZodType | undefined = undefined,
>(options: RouteOptions<BS, PS, QS, D>, useCase: (input: RouteInput<Parsed<BS>, Parsed<PS>, Parsed<QS>, D>) => Promise<unknown>) {
  const { action } = routeForHandler(options.handler);
  const edge = options.edge ?? edgeOf(options.deps);
  return middy<HttpEvent, HttpResult, Error, RouteContext>(TEST_OPTIONS)
    .use(injectLambdaContext(logger))
    .use(errors(edge, action))
    .use(authenticate(options.params))
    .use(throttleRefused())
    .use(authorize(edge, action, options.judgedByUseCase === true, (state) => options.tierHints?.({ body: state.body as Parsed<BS>, params: state.params as Parsed<PS> }) ?? {}))
    .use(parseInput(options.query, options.body))
    .use(authorizeAtTier(action, options.judgedByUseCase === true))
    .handler(async (event, context) => {
      const state = stateOf(context);
      const edgeHalf = () => state.authorization ?? fail(`${options.handler} is judged by its use case: it has no edge authorization`);
      const result = await useCase({
        body: state.body as Parsed<BS>,
        params: state.params as Parsed<PS>,
        query: state.query as Parsed<QS>,
        principal: state.principal!,
        caller: state.caller!,
        deps: options.deps(),
        event,
        authorize: (wanted) => edgeHalf().require(wanted),
        get authorization() {
          return edgeHalf();
        },
      });
      const status = typeof options.status === 'function' ? options.status(result) : (options.status ?? 200);
      const rendered = options.render?.(result, state.query as Parsed<QS>);
      if (rendered) return { statusCode: status, headers: { 'content-type': rendered.contentType, ...options.headers?.(result) }, body: rendered.body };
      return json(status, result, options.headers?.(result));
    });
}

/** A full bag of deps carries the edge's ports; a narrower one (serving's) needs `edge` beside it. */
function edgeOf(deps: () => object): () => EdgeDeps {
  return () => {
    const bag = deps() as Partial<EdgeDeps>;
    if (!bag.governance || !bag.audit || !bag.pointers || !bag.catalog) throw new Error('this route needs `edge` ports: its deps have no governance or audit log');
    return bag as EdgeDeps;
  };
}

/** The caller (401 without a valid subject), then the path, so a refusal can name the view. */
function authenticate(params: z.ZodType | undefined): RouteMiddleware {
  return {
    before: ({ event, context }) => {
      const state = stateOf(context);
      state.principal = principalFrom(event);
      state.params = params ? parse(params, event.pathParameters ?? {}, 'path') : undefined;
    },
  };
}

/**
 * A caller refused too often this minute is answered 429 before anything is read
 * (functions/http/refusal-throttle.ts): a flood of refused requests costs neither the refusal
 * log nor the policy cache a round trip.
 */
function throttleRefused(): RouteMiddleware {
  return {
    before: (request) => {
      const sub = stateOf(request.context).principal!.sub;
      const wait = refusalThrottle.retryAfter(sub);
      if (!wait) return;
      if (wait.first) logger.warn('throttling a principal refused too often', { sub, refusalsPerMinute: refusalThrottle.limit, retryAfterSeconds: wait.seconds });
      request.response = json(429, { error: { code: 'TooManyRefusals', message: `refused more than ${refusalThrottle.limit} times this minute: retry after ${wait.seconds} s` } }, { 'retry-after': String(wait.seconds) });
      return request.response;
    },
  };
}

/**
 * The policy, read once for the request: from the container's cache for reads (serving must
 * not pay a round trip for it), from the table for every change, so the rules a change is
 * judged by are the newest stored. Then what no tier changes is judged before the body is read.
 */
function authorize(deps: () => EdgeDeps, action: Action, judgedByUseCase: boolean, hints: (state: RouteState) => TierHints): RouteMiddleware {
  return {
    before: async ({ event, context }) => {
      const state = stateOf(context);
      // The use case reads the policy in its own round of reads, with the pointer.
      if (judgedByUseCase) return void (state.caller = { principal: state.principal! });
      const ports = deps();
      const { document: policy } = action === 'read' ? await policyInForce(ports.governance) : await currentPolicy(ports.governance);
      state.caller = { principal: state.principal!, policy };
      state.authorization = new RequestAuthorization(ports, { principal: state.principal!, policy }, event.pathParameters?.view, () => hints(state));
      state.authorization.early(action);
    },
  };
}

function fail(message: string): never {
  throw new Error(message);
}

function parseInput(query: z.ZodType | undefined, body: z.ZodType | undefined): RouteMiddleware {
  return {
    before: ({ event, context }) => {
      const state = stateOf(context);
      state.query = query ? parse(query, event.queryStringParameters ?? {}, 'query') : undefined;
      state.body = body ? parse(body, jsonBody(event), 'body') : undefined;
    },
  };
}

function authorizeAtTier(action: Action, judgedByUseCase: boolean): RouteMiddleware {
  return {
    before: async ({ context }) => {
      if (!judgedByUseCase) await stateOf(context).authorization!.require(action);
    },
  };
}

/**
 * Every error, from a middleware or the use case, becomes the response here. A refusal is
 * itself an audited event (who tried what, on which view, and why not); a refusal that cannot
 * be audited is not answered as a plain refusal: the store's error wins.
 */
function errors(deps: () => EdgeDeps, action: Action): RouteMiddleware {
  return {
    // A fresh state per request: a context object may be reused by a caller (a bench, a test),
    // and a refusal must never be audited under the previous request's caller.
    before: ({ context }) => void (context.rewind = {}),
    onError: async (request) => {
      let error: unknown = request.error;
      const principal = request.context.rewind?.principal;
      if (error instanceof ForbiddenError && principal) await auditRefusal(deps(), principal, error, request.event).catch((auditError: unknown) => (error = auditError));
      // Bad input from a known caller is a refusal too (DESIGN: audited, nothing else written).
      else if (error instanceof ValidationError && principal)
        await auditInvalid(deps(), principal, action, error, request.event, request.context.rewind?.params).catch((auditError: unknown) => (error = auditError));
      const response = toErrorResponse(error, request.context.awsRequestId);
      if (response.status >= 500) logger.error('request failed', { error: error as Error, routeKey: request.event.routeKey });
      else logger.info('request refused', { status: response.status, code: response.body.error.code, routeKey: request.event.routeKey });
      request.response = json(response.status, response.body, response.headers);
    },
  };
}

/**
 * A refusal goes to the refusal log, never to the view's chain: a chain append waits on the
 * chain's head, and a flood of refused requests would then make the view's next pointer change
 * (an automatic rollback included) fail as too contended. Without a refusal log (in-memory
 * deps) it is appended to the audit log as before.
 */
async function auditRefusal(deps: EdgeDeps, principal: Principal, error: ForbiddenError, event: HttpEvent): Promise<void> {
  const view = error.view ?? event.pathParameters?.view;
  const draft = {
    actor: principal.sub,
    action: error.action,
    outcome: 'denied' as const,
    ...(view ? { view } : {}),
    reason: error.message,
    detail: { routeKey: event.routeKey, roles: principal.roles, code: error.code, mfa: hasMfa(principal) },
  };
  refusalThrottle.refused(principal.sub);
  if (deps.refusals) await deps.refusals.recordRefusal(draft);
  else await deps.audit.appendAudit(draft);
}

/**
 * The refusal of bad input. Its view is named only once the path parsed (an invalid name
 * must not become an audit chain's key), and what the client sent is cut short: the field
 * path can carry a client's column name, the entry must stay a small item.
 */
async function auditInvalid(deps: EdgeDeps, principal: Principal, action: Action, error: ValidationError, event: HttpEvent, params: unknown): Promise<void> {
  const view = (params as { view?: unknown } | undefined)?.view;
  const draft = {
    actor: principal.sub,
    action,
    outcome: 'denied' as const,
    ...(typeof view === 'string' ? { view } : {}),
    reason: error.message.slice(0, 1000),
    detail: { routeKey: event.routeKey, code: error.code, field: error.field.slice(0, 256) },
  };
  // Like every refusal, into the refusal log: bad input must not contend with the view's chain either.
  refusalThrottle.refused(principal.sub);
  if (deps.refusals) await deps.refusals.recordRefusal(draft);
  else await deps.audit.appendAudit(draft);
}

function jsonBody(event: HttpEvent): unknown {
  if (!event.body) return {};
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new ValidationError('body', 'is not valid JSON', { cause });
  }
}

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResult {
  return { statusCode, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}
