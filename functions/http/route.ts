/**
 * One HTTP route = one middy handler built here: body/params/query parsed with their zod
 * schemas, the caller authorized (and a refusal audited), the use case called, and every
 * error turned into a response in one place.
 *
 * Authorization follows the policy document in force (core/policy.ts): roles per tier, then
 * MFA. When the decision is the same on every tier (serving's `read`, or a role that may
 * never do this) it is taken before anything is read; otherwise the view's tier is looked
 * up (core/approvals.ts viewTier) after the body is parsed, since the body may name versions
 * or declare a tier. Every refusal, from here or from a use case (an approval missing), is
 * audited in the catch below: there is one place where a 403 is born.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { z } from 'zod';
import { parse } from '../../core/contracts';
import type { Deps } from '../../core/deps';
import { viewTier, type TierHints } from '../../core/approvals';
import { ForbiddenError, ValidationError } from '../../core/errors';
import type { Principal, Tier } from '../../core/model';
import { decide, decideWithoutTier, enforce, hasMfa, type Action } from '../../core/policy';
import { routeForHandler } from '../../contract/routes';
import { policyInForce } from '../commons/policy';
import { logger } from '../commons/powertools';
import { toErrorResponse } from './errors';
import { principalFrom } from './principal';

export type HttpEvent = APIGatewayProxyEventV2WithJWTAuthorizer;
export type HttpResult = APIGatewayProxyStructuredResultV2;

export interface RouteInput<B, P, Q> {
  body: B;
  params: P;
  query: Q;
  principal: Principal;
  deps: Deps;
  event: HttpEvent;
  /** Check (and on refusal, audit) one more action the request implies, e.g. `activate` for a deploy with `activate: true`. */
  authorize(action: Action): Promise<void>;
}

export interface RouteOptions<BS extends z.ZodType | undefined, PS extends z.ZodType | undefined, QS extends z.ZodType | undefined> {
  /** The handler's file name under functions/: its route (and so its action) is in contract/routes.ts. */
  handler: string;
  body?: BS;
  params?: PS;
  query?: QS;
  /**
   * The adapters this handler runs with. A provider, passed by each entry point, so this
   * module imports no store itself and each bundle carries only what its handler uses.
   */
  deps: () => Deps;
  /** Status of a successful answer; 200 unless stated. */
  status?: number;
  /** What the request itself says about the tier it acts at (versions it names, a tier it declares). */
  tierHints?: (request: { body: Parsed<BS>; params: Parsed<PS> }) => TierHints;
}

type Parsed<S> = S extends z.ZodType ? z.infer<S> : undefined;

export function httpRoute<
  BS extends z.ZodType | undefined = undefined,
  PS extends z.ZodType | undefined = undefined,
  QS extends z.ZodType | undefined = undefined,
>(
  options: RouteOptions<BS, PS, QS>,
  useCase: (input: RouteInput<Parsed<BS>, Parsed<PS>, Parsed<QS>>) => Promise<unknown>,
) {
  const { action } = routeForHandler(options.handler);
  const handle = async (event: HttpEvent, context: Context): Promise<HttpResult> => {
    let caller: Principal | undefined;
    try {
      const principal = (caller = principalFrom(event));
      const params = (options.params ? parse(options.params, event.pathParameters ?? {}, 'path') : undefined) as Parsed<PS>;
      const deps = options.deps();
      const { document: policy } = await policyInForce(deps.registry);
      const untiered = decideWithoutTier(policy, principal, action);
      if (untiered) enforce(untiered, principal, action);
      const query = (options.query ? parse(options.query, event.queryStringParameters ?? {}, 'query') : undefined) as Parsed<QS>;
      const body = (options.body ? parse(options.body, jsonBody(event), 'body') : undefined) as Parsed<BS>;
      // The tier is read at most once per request, and only when some decision needs it.
      const view = event.pathParameters?.view;
      let tier: Promise<Tier> | undefined;
      const tierOfRequest = () => (tier ??= view ? viewTier(deps, view, options.tierHints?.({ body, params }) ?? {}) : Promise.resolve(options.tierHints?.({ body, params }).tier ?? 'standard'));
      const check = async (wanted: Action) => {
        const decision = decideWithoutTier(policy, principal, wanted) ?? decide(policy, principal, wanted, await tierOfRequest());
        enforce(decision, principal, wanted, view);
      };
      if (!untiered) await check(action);
      const result = await useCase({ body, params, query, principal, deps, event, authorize: check });
      return json(options.status ?? 200, result);
    } catch (caught) {
      let error = caught;
      // A refusal that cannot be audited is not answered as a plain refusal: the store's error wins.
      if (error instanceof ForbiddenError && caller) await auditRefusal(options.deps(), caller, error, event).catch((auditError: unknown) => (error = auditError));
      const response = toErrorResponse(error, context.awsRequestId);
      if (response.status >= 500) logger.error('request failed', { error: error as Error, routeKey: event.routeKey });
      else logger.info('request refused', { status: response.status, code: response.body.error.code, routeKey: event.routeKey });
      return json(response.status, response.body, response.headers);
    }
  };
  return middy<HttpEvent, HttpResult>({ timeoutEarlyInMillis: 0 }).use(injectLambdaContext(logger)).handler(handle);
}

/** A refusal is itself an audited event: who tried what, on which view, and why not. */
async function auditRefusal(deps: Deps, principal: Principal, error: ForbiddenError, event: HttpEvent): Promise<void> {
  const view = error.view ?? event.pathParameters?.view;
  await deps.registry.appendAudit({
    actor: principal.sub,
    action: error.action,
    outcome: 'denied',
    ...(view ? { view } : {}),
    reason: error.message,
    detail: { routeKey: event.routeKey, roles: principal.roles, code: error.code, mfa: hasMfa(principal) },
  });
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
