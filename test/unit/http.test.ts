import { RevisionConflictError, SnapshotIntegrityError, ValidationError, VersionRejectedError, ViewNotFoundError } from '../../core/errors';
import { toErrorResponse } from '../../functions/http/errors';
import { SignJWT } from 'jose';
import { flattenedClaim, listClaim, principalFrom } from '../../functions/http/principal';
import { can } from '../../core/access-policy';

describe('error mapping', () => {
  it.each([
    [new ValidationError('body.version', 'is required'), 400, 'ValidationError'],
    [new ViewNotFoundError('v'), 404, 'ViewNotFound'],
    [new RevisionConflictError('v', 1, 2), 409, 'RevisionConflict'],
    [new VersionRejectedError('v', 3), 409, 'VersionRejected'],
    [new SnapshotIntegrityError('s3://b/k', 'a', 'b'), 500, 'SnapshotIntegrity'],
  ])('%s → %i', (error, status, code) => {
    const response = toErrorResponse(error);
    expect(response.status).toBe(status);
    expect(response.body.error.code).toBe(code);
  });

  it('names the field of a validation error', () => {
    expect(toErrorResponse(new ValidationError('rows[3].age', 'expected int')).body.error.field).toBe('rows[3].age');
  });

  it('answers throttling from AWS with 503 and Retry-After, without AWS details', () => {
    const throttled = Object.assign(new Error('Rate of requests exceeds the allowed throughput'), { name: 'ProvisionedThroughputExceededException' });
    const response = toErrorResponse(throttled, 'req-1');
    expect(response).toMatchObject({ status: 503, headers: { 'retry-after': '1' }, body: { error: { code: 'StoreUnavailable' } } });
    expect(JSON.stringify(response.body)).not.toMatch(/throughput/);
  });

  it('never leaks an unknown error', () => {
    const response = toErrorResponse(new TypeError('Cannot read properties of undefined (reading "x") at /var/task/index.js:1'), 'req-2');
    expect(response).toEqual({ status: 500, body: { error: { code: 'InternalError', message: 'internal error', requestId: 'req-2' } } });
  });
});

describe('principal', () => {
  // What API Gateway's JWT authorizer delivers: every claim a string, arrays as "[a b]".
  const flatten = (payload: Record<string, unknown>) => Object.fromEntries(Object.entries(payload).map(([k, v]) => [k, Array.isArray(v) ? `[${v.join(' ')}]` : String(v)]));
  const signed = (payload: Record<string, unknown>) => new SignJWT(payload).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode('unit-test-secret'));
  const eventFor = async (payload: Record<string, unknown>, header?: string) => ({
    headers: { authorization: header ?? `Bearer ${await signed(payload)}` },
    requestContext: { authorizer: { jwt: { claims: flatten(payload) } } },
  }) as never;

  it('reads the authorizer\'s flattened "[a b]" form as that form only; any other string is one role', () => {
    expect(flattenedClaim('[deployer viewer]')).toEqual(['deployer', 'viewer']);
    expect(flattenedClaim('admin,viewer')).toEqual(['admin,viewer']);
    expect(flattenedClaim('not admin')).toEqual(['not admin']);
    expect(flattenedClaim(['approver'])).toEqual(['approver']);
    expect(flattenedClaim(undefined)).toEqual([]);
  });

  it('reads a token\'s own list claim exactly: array elements as written, a string as one role', () => {
    expect(listClaim(['not admin'])).toEqual(['not admin']);
    expect(listClaim('viewer admin')).toEqual(['viewer admin']);
    expect(listClaim(['viewer', 7, null])).toEqual(['viewer']);
  });

  it.each([
    ['an array holding "not admin"', ['not admin'], ['not admin']],
    ['an array holding "viewer,admin"', ['viewer,admin'], ['viewer,admin']],
    ['the string "not admin"', 'not admin', ['not admin']],
    ['the string "[admin]"', '[admin]', ['[admin]']],
    ['a real two-role array', ['viewer', 'admin'], ['viewer', 'admin']],
  ])('takes %s from the verified token itself, not from its lossy flattened claim', async (_name, roles, expected) => {
    expect(principalFrom(await eventFor({ sub: 'a', roles, exp: 2_000_000_000 })).roles).toEqual(expected);
  });

  it('refuses a bearer token whose scalar claims differ from the ones the authorizer verified', async () => {
    const other = `Bearer ${await signed({ sub: 'mallory', roles: ['admin'] })}`;
    const event = await eventFor({ sub: 'a', roles: ['viewer'] }, other);
    expect(() => principalFrom(event)).toThrow(/does not match the verified claims \(claim 'sub'\)/);
  });

  it('falls back to the flattened claims when no decodable token accompanies them', async () => {
    expect(principalFrom(await eventFor({ sub: 'a', roles: ['deployer', 'viewer'] }, 'Bearer not-a-jwt')).roles).toEqual(['deployer', 'viewer']);
  });

  it('refuses a request without a subject', () => {
    expect(() => principalFrom({ requestContext: {} } as never)).toThrow(/subject/);
  });
});

describe('default policy', () => {
  it('lets viewers read, deployers change pointers, admins do all, approvers only read', () => {
    const as = (roles: string[]) => ({ sub: 's', roles });
    expect(can(as(['viewer']), 'read')).toBe(true);
    expect(can(as(['viewer']), 'rollback')).toBe(false);
    expect(can(as(['deployer']), 'rollback')).toBe(true);
    expect(can(as(['approver']), 'deploy')).toBe(false);
    expect(can(as(['admin']), 'purge')).toBe(true);
    expect(can(as(['nonsense']), 'read')).toBe(false);
    // Roles are looked up as the policy's own keys: Object.prototype's names grant nothing (they threw before).
    for (const role of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) expect(can(as([role]), 'read')).toBe(false);
  });
});
