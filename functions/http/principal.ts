import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { UnauthenticatedError } from '../../core/errors';
import type { Principal } from '../../core/model';

/**
 * The caller, from the claims API Gateway's JWT authorizer verified (the local gateway fills
 * the same field the same way). API Gateway flattens array claims to a string such as
 * "[deployer viewer]", so roles are accepted as an array or as a separated string.
 */
export function principalFrom(event: Pick<APIGatewayProxyEventV2WithJWTAuthorizer, 'requestContext'>): Principal {
  const claims = event.requestContext?.authorizer?.jwt?.claims;
  const sub = claims?.sub;
  if (typeof sub !== 'string' || sub === '') throw new UnauthenticatedError('a bearer token with a subject is required');
  return { sub, roles: parseRoles(claims?.roles) };
}

export function parseRoles(raw: unknown): string[] {
  if (Array.isArray(raw)) return raw.map(String);
  if (typeof raw !== 'string') return [];
  return raw
    .replace(/^\[|\]$/g, '')
    .split(/[\s,]+/)
    .filter(Boolean);
}
