/**
 * The one place where errors become HTTP responses. Domain errors carry what the client
 * needs; anything else is logged and answered with a generic 500 that leaks nothing.
 */
import {
  BeforeFirstDeployError,
  DeployNotRecordedError,
  EventsNotPublishedError,
  ServedTooLateError,
  ForbiddenError,
  InvalidStateError,
  JobNotFoundError,
  DrillNotFoundError,
  IncidentNotFoundError,
  RecentlyServedError,
  NoRollbackTargetError,
  NothingActiveError,
  NothingServedError,
  PolicyConflictError,
  PolicyProposalNotFoundError,
  RevisionConflictError,
  RewindError,
  SnapshotIntegrityError,
  TrainingSetNotFoundError,
  UnauthenticatedError,
  ValidationError,
  VersionNotFoundError,
  VersionRejectedError,
  ViewNotFoundError,
} from '../../core/errors';
import { isThrottling, isTimeout } from '../../store/aws-errors';

export interface ErrorResponse {
  status: number;
  body: { error: { code: string; message: string; field?: string; current?: unknown; requestId?: string } };
  headers?: Record<string, string>;
}

const STATUS: [new (...args: never[]) => RewindError, number][] = [
  [ValidationError, 400],
  [UnauthenticatedError, 401],
  [ForbiddenError, 403],
  [ViewNotFoundError, 404],
  [VersionNotFoundError, 404],
  [NothingActiveError, 404],
  [BeforeFirstDeployError, 404],
  [NothingServedError, 404],
  [PolicyProposalNotFoundError, 404],
  [JobNotFoundError, 404],
  [TrainingSetNotFoundError, 404],
  [DrillNotFoundError, 404],
  [IncidentNotFoundError, 404],
  [RevisionConflictError, 409],
  [PolicyConflictError, 409],
  [VersionRejectedError, 409],
  [NoRollbackTargetError, 409],
  [InvalidStateError, 409],
  [SnapshotIntegrityError, 500],
  // The bus refused or was unreachable: nothing is lost (the history holds the entries), retry.
  [EventsNotPublishedError, 503],
  [ServedTooLateError, 503],
];

export function toErrorResponse(error: unknown, requestId?: string): ErrorResponse {
  if (error instanceof RewindError) {
    // A store that was busy or unreachable is a 503 (retry), as below, with what was not done said.
    const unavailable = error instanceof DeployNotRecordedError && (isThrottling(error.cause) || isTimeout(error.cause));
    const status = unavailable ? 503 : (STATUS.find(([type]) => error instanceof type)?.[1] ?? 500);
    return {
      status,
      body: {
        error: {
          code: error.code,
          message: error.message,
          ...(error instanceof ValidationError ? { field: error.field } : {}),
          ...(error instanceof RevisionConflictError && error.current ? { current: error.current } : {}),
          ...(error instanceof RecentlyServedError ? { readableUntil: error.readableUntil } : {}),
          ...(status >= 500 ? { requestId } : {}),
        },
      },
      ...(unavailable || error instanceof ServedTooLateError ? { headers: { 'retry-after': '1' } } : {}),
      ...(error instanceof RecentlyServedError ? { headers: { 'retry-after': String(Math.max(1, Math.ceil((Date.parse(error.readableUntil) - Date.now()) / 1000))) } } : {}),
    };
  }
  if (isThrottling(error) || isTimeout(error)) {
    return {
      status: 503,
      headers: { 'retry-after': '1' },
      body: { error: { code: 'StoreUnavailable', message: 'the store is busy; retry shortly', requestId } },
    };
  }
  return { status: 500, body: { error: { code: 'InternalError', message: 'internal error', requestId } } };
}
