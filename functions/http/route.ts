/**
 * One HTTP route = one middy handler built here: body/params/query parsed with their zod
 * schemas, the caller authorized (and a refusal audited), the use case called, and every
 * error turned into a response in one place.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { z } from 'zod';
import { parse } from '../../core/contracts';
import type { Deps } from '../../core/deps';
import { ForbiddenError, ValidationError } from '../../core/errors';
import type { Principal } from '../../core/model';
import { authorize, type Action } from '../../core/policy';
import { routeForHandler } from '../../contract/routes';
import { getDeps } from '../commons/deps';
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
}

export interface RouteOptions<BS extends z.ZodType | undefined, PS extends z.ZodType | undefined, QS extends z.ZodType | undefined> {
  /** The handler's file name under functions/: its route (and so its action) is in contract/routes.ts. */
  handler: string;
  body?: BS;
  params?: PS;
  query?: QS;
  /** Status of a successful answer; 200 unless stated. */
  status?: number;
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
    try {
      const principal = principalFrom(event);
      const params = (options.params ? parse(options.params, event.pathParameters ?? {}, 'path') : undefined) as Parsed<PS>;
      await authorizeOrAudit(principal, action, event);
      const query = (options.query ? parse(options.query, event.queryStringParameters ?? {}, 'query') : undefined) as Parsed<QS>;
      const body = (options.body ? parse(options.body, jsonBody(event), 'body') : undefined) as Parsed<BS>;
      const result = await useCase({ body, params, query, principal, deps: getDeps(), event });
      return json(options.status ?? 200, result);
    } catch (error) {
      const response = toErrorResponse(error, context.awsRequestId);
      if (response.status >= 500) logger.error('request failed', { error: error as Error, routeKey: event.routeKey });
      else logger.info('request refused', { status: response.status, code: response.body.error.code, routeKey: event.routeKey });
      return json(response.status, response.body, response.headers);
    }
  };
  return middy<HttpEvent, HttpResult>({ timeoutEarlyInMillis: 0 }).use(injectLambdaContext(logger)).handler(handle);
}

/** A refusal is itself an audited event: who tried what, on which view. */
async function authorizeOrAudit(principal: Principal, action: Action, event: HttpEvent): Promise<void> {
  try {
    authorize(principal, action);
  } catch (error) {
    if (error instanceof ForbiddenError) {
      const view = event.pathParameters?.view;
      await getDeps().registry.appendAudit({
        actor: principal.sub,
        action,
        outcome: 'denied',
        ...(view ? { view } : {}),
        reason: error.message,
        detail: { routeKey: event.routeKey, roles: principal.roles },
      });
    }
    throw error;
  }
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
