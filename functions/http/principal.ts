import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { UnauthenticatedError } from '../../core/errors';
import type { Principal } from '../../core/model';
import { isSystemActor, SYSTEM_ACTOR_PREFIX } from '../../core/access-policy';

/**
 * The caller, from the claims API Gateway's JWT authorizer verified (the local gateway fills
 * the same field the same way). API Gateway flattens array claims to a string such as
 * "[deployer viewer]", so roles are accepted as an array or as a separated string.
 */
export function principalFrom(event: Pick<APIGatewayProxyEventV2WithJWTAuthorizer, 'requestContext'>): Principal {
  const claims = event.requestContext?.authorizer?.jwt?.claims;
  const sub = claims?.sub;
  if (typeof sub !== 'string' || sub === '') throw new UnauthenticatedError('a bearer token with a subject is required');
  // Rewind's own actors skip approvals (core/approvals.ts): no token may speak as one.
  if (isSystemActor(sub)) throw new UnauthenticatedError(`subjects starting with '${SYSTEM_ACTOR_PREFIX}' are reserved for Rewind itself`);
  const amr = parseRoles(claims?.amr);
  return { sub, roles: parseRoles(claims?.roles), ...(amr.length ? { amr } : {}) };
}

/** A list claim (`roles`, `amr`) as an array, or as API Gateway's flattened "[a b]" string. */
export function parseRoles(raw: unknown): string[] {
  if (Array.isArray(raw)) return raw.map(String);
  if (typeof raw !== 'string') return [];
  return raw
    .replace(/^\[|\]$/g, '')
    .split(/[\s,]+/)
    .filter(Boolean);
}
