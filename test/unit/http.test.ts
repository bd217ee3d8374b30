import { RevisionConflictError, SnapshotIntegrityError, ValidationError, VersionRejectedError, ViewNotFoundError } from '../../core/errors';
import { toErrorResponse } from '../../functions/http/errors';
import { parseRoles, principalFrom } from '../../functions/http/principal';
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
  it('reads roles as API Gateway flattens them, or as arrays', () => {
    expect(parseRoles('[deployer viewer]')).toEqual(['deployer', 'viewer']);
    expect(parseRoles('admin,viewer')).toEqual(['admin', 'viewer']);
    expect(parseRoles(['approver'])).toEqual(['approver']);
    expect(parseRoles(undefined)).toEqual([]);
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
  });
});
