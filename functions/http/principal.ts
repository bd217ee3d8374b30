import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { decodeJwt, type JWTPayload } from 'jose';
import { UnauthenticatedError } from '../../core/errors';
import type { Principal } from '../../core/model';
import { isSystemActor, SYSTEM_ACTOR_PREFIX } from '../../core/access-policy';

/**
 * The caller, from the token API Gateway's JWT authorizer verified (the local gateway fills
 * the same fields the same way).
 *
 * Roles are matched exactly (issue 10 finding 5). What the authorizer hands Lambda in
 * `requestContext.authorizer.jwt.claims` is a map of strings: a string claim as it is, a
 * number or boolean as its text, and an ARRAY claim flattened to "[a b]" (its elements joined
 * by one space, in brackets). That form is lossy: `["not admin"]` and `["not", "admin"]` both
 * arrive as "[not admin]", and a string claim "[admin]" looks like the array `["admin"]`. So
 * the list claims (`roles`, `amr`) are read from the verified token itself, which the
 * authorizer took from this request's Authorization header and which reaches Lambda with it:
 * its payload is decoded (not verified again: the authorizer did that), and used only when
 * every scalar claim the authorizer delivered matches it, so it is provably the same token.
 *
 * What counts as a role:
 *  - a JSON array claim: each string element is one role, exactly as written; non-strings
 *    are ignored (they grant nothing);
 *  - a JSON string claim: ONE role, exactly as written ("viewer,admin" and "not admin" are
 *    single, unknown roles that grant nothing). Nothing splits on spaces or commas;
 *  - only when no decodable token accompanies the claims (a hand-built event): the
 *    authorizer's "[a b]" form, parsed as that form and nothing else, any other string as one
 *    role.
 * An unknown role simply grants nothing (core/access-policy.ts looks roles up as own keys only).
 */
export function principalFrom(event: Pick<APIGatewayProxyEventV2WithJWTAuthorizer, 'requestContext'> & { headers?: Record<string, string | undefined> }): Principal {
  const claims = event.requestContext?.authorizer?.jwt?.claims;
  const sub = claims?.sub;
  if (typeof sub !== 'string' || sub === '') throw new UnauthenticatedError('a bearer token with a subject is required');
  // Rewind's own actors skip approvals (core/approvals.ts): no token may speak as one.
  if (isSystemActor(sub)) throw new UnauthenticatedError(`subjects starting with '${SYSTEM_ACTOR_PREFIX}' are reserved for Rewind itself`);
  const token = verifiedPayload(event.headers, claims!);
  const list = (name: string): string[] => (token ? listClaim(token[name]) : flattenedClaim(claims![name]));
  const amr = list('amr');
  return { sub, roles: list('roles'), ...(amr.length ? { amr } : {}) };
}

/** A list claim as the token carries it: an array of strings, or one string as one value. */
export function listClaim(raw: unknown): string[] {
  if (Array.isArray(raw)) return raw.filter((v): v is string => typeof v === 'string' && v !== '');
  return typeof raw === 'string' && raw !== '' ? [raw] : [];
}

/**
 * A list claim as API Gateway delivers it: an array (the local gateway's tests may pass one),
 * the flattened "[a b]" form of an array, split on its single-space separators, or any other
 * string as one value.
 */
export function flattenedClaim(raw: unknown): string[] {
  if (Array.isArray(raw)) return listClaim(raw);
  if (typeof raw !== 'string' || raw === '') return [];
  const flattened = /^\[(.*)\]$/s.exec(raw);
  return flattened ? flattened[1]!.split(' ').filter(Boolean) : [raw];
}

/**
 * The payload of the bearer token this request carries, when it is the one whose claims the
 * authorizer delivered: every claim the authorizer delivered as a scalar must read the same in
 * the payload. Undefined when there is no decodable bearer token; a token whose claims differ
 * is refused (something between the authorizer and Lambda changed the header).
 */
function verifiedPayload(headers: Record<string, string | undefined> | undefined, claims: Record<string, string | number | boolean | string[]>): JWTPayload | undefined {
  const bearer = /^Bearer\s+(\S+)$/i.exec(headers?.authorization ?? headers?.Authorization ?? '')?.[1];
  if (!bearer) return undefined;
  let payload: JWTPayload;
  try {
    payload = decodeJwt(bearer);
  } catch {
    return undefined;
  }
  for (const [name, delivered] of Object.entries(claims)) {
    const own = Object.hasOwn(payload, name) ? payload[name] : undefined;
    if (own === null || typeof own === 'object') continue; // arrays and objects: the lossy forms this reads the token for
    if (String(own) !== String(delivered)) throw new UnauthenticatedError(`the bearer token does not match the verified claims (claim '${name}')`);
  }
  return payload;
}
