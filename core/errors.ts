/**
 * Domain errors. Core code throws these; exactly one place (functions/http/errors.ts) maps
 * them to HTTP statuses, so handlers never build error responses by hand.
 */
export abstract class RewindError extends Error {
  /** Stable machine-readable code, returned to clients as `error.code`. */
  abstract readonly code: string;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Input that does not fit the contract; `field` is a dotted path into the request. */
export class ValidationError extends RewindError {
  readonly code = 'ValidationError';
  constructor(
    readonly field: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${field}: ${message}`, options);
  }
}

export class ViewNotFoundError extends RewindError {
  readonly code = 'ViewNotFound';
  constructor(readonly view: string) {
    super(`view '${view}' does not exist`);
  }
}

export class VersionNotFoundError extends RewindError {
  readonly code = 'VersionNotFound';
  constructor(
    readonly view: string,
    readonly version: number,
  ) {
    super(`view '${view}' has no version ${version}`);
  }
}

/** The view exists but serves nothing yet (deployed, never activated). */
/** A time-travel read of an instant before the view's first deploy (core/time-travel.ts). */
export class BeforeFirstDeployError extends RewindError {
  readonly code = 'BeforeFirstDeploy';
  constructor(view: string, at: string, firstDeployedAt: string) {
    super(`view '${view}' did not exist at ${at}: it was first deployed at ${firstDeployedAt}`);
  }
}

/** A time-travel read of an instant after the first deploy but before the first activation. */
export class NothingServedError extends RewindError {
  readonly code = 'NothingServed';
  constructor(view: string, at: string) {
    super(`view '${view}' served nothing at ${at}: it had been deployed but not yet activated`);
  }
}

export class NothingActiveError extends RewindError {
  readonly code = 'NothingActive';
  constructor(readonly view: string) {
    super(`view '${view}' serves nothing: it does not exist or has never been activated`);
  }
}

/** Someone else changed the pointer first; carries what it is now. */
export class RevisionConflictError extends RewindError {
  readonly code = 'RevisionConflict';
  constructor(
    readonly view: string,
    readonly expectedRevision: number,
    readonly currentRevision: number,
    readonly current?: unknown,
  ) {
    super(
      `view '${view}' is at revision ${currentRevision}, not the expected ${expectedRevision}; read it again and retry`,
    );
  }
}

export class VersionRejectedError extends RewindError {
  readonly code = 'VersionRejected';
  constructor(
    readonly view: string,
    readonly version: number,
  ) {
    super(`version ${version} of '${view}' was rejected at deploy and can never be activated`);
  }
}

export class NoRollbackTargetError extends RewindError {
  readonly code = 'NoRollbackTarget';
  constructor(
    readonly view: string,
    detail: string,
  ) {
    super(`cannot roll back '${view}': ${detail}`);
  }
}

/** A state change that the current state does not allow (e.g. purging the served version). */
export class InvalidStateError extends RewindError {
  readonly code: string = 'InvalidState';
}

/**
 * A purge of a version that stopped being served less than one pointer-cache bound ago: a
 * server's cached pointer may still name it. Answered 409 with Retry-After and `readableUntil`.
 */
export class RecentlyServedError extends InvalidStateError {
  override readonly code: string = 'RecentlyServed';
  readonly readableUntil: string;
  constructor(view: string, version: number, stoppedAt: string, servingCacheMs: number) {
    const readableUntil = new Date(Date.parse(stoppedAt) + servingCacheMs).toISOString();
    super(
      `version ${version} of '${view}' stopped being served at ${stoppedAt}; servers may still read it from a cached pointer until ${readableUntil} (REWIND_POINTER_CACHE_MS = ${servingCacheMs} ms): purge it after that`,
    );
    this.readableUntil = readableUntil;
  }
}

export class UnauthenticatedError extends RewindError {
  readonly code = 'Unauthenticated';
}

/**
 * The caller may not do this. Every refusal (this class and its subclasses) is audited by the
 * one HTTP error path (functions/http/route.ts), whichever layer refused.
 */
export class ForbiddenError extends RewindError {
  readonly code: string = 'Forbidden';
  constructor(
    message: string,
    readonly actor: string,
    readonly action: string,
    /** The view refused on, when the refusal is about one. */
    readonly view?: string,
  ) {
    super(message);
  }
}

/** The role may act on this tier, but only with a token that proves MFA (`amr` includes `mfa`). */
export class MfaRequiredError extends ForbiddenError {
  override readonly code = 'MfaRequired';
}

/** The tier needs a second person's approval (or, for a safety action, an admin's break-glass reason). */
export class ApprovalRequiredError extends ForbiddenError {
  override readonly code = 'ApprovalRequired';
}

/** A snapshot whose bytes no longer hash to the address they were stored under. */
export class SnapshotIntegrityError extends RewindError {
  readonly code = 'SnapshotIntegrity';
  constructor(
    readonly uri: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`snapshot ${uri} is corrupt: sha256 ${actual} does not match ${expected}`);
  }
}

/** Someone stored a policy revision first; carries the revision in force. */
export class PolicyConflictError extends RewindError {
  readonly code = 'RevisionConflict';
  constructor(
    readonly expectedRevision: number,
    readonly currentRevision: number,
  ) {
    super(`the policy is at revision ${currentRevision}, not the expected ${expectedRevision}; read it again and retry`);
  }
}

/**
 * A deploy passed every check but a store write failed before its record was written: the
 * version number is a gap and nothing of it is visible (not listed, not servable, the view
 * not registered by it). Deploying again is safe. The cause says what failed.
 */
export class DeployNotRecordedError extends RewindError {
  readonly code = 'DeployNotRecorded';
  constructor(
    readonly view: string,
    readonly version: number,
    options: { cause: unknown; uncertain?: boolean },
  ) {
    super(
      options.uncertain
        ? `version ${version} of '${view}' may not have been recorded: writing its record failed; GET /views/${view}/versions/${version} tells, and deploying again is safe`
        : `version ${version} of '${view}' was not recorded: a store write failed; nothing of it is listed or served, and deploying again is safe`,
      { cause: options.cause },
    );
  }
}

export class PolicyProposalNotFoundError extends RewindError {
  readonly code = 'ProposalNotFound';
  constructor(readonly id: string) {
    super(`there is no policy proposal '${id}' (GET /policy/proposals lists them)`);
  }
}

/** The event bus did not take an event being republished: those before it landed, it and those after did not (503: publishing again is safe). */
/**
 * A read that could not be answered within the staleness bound: every attempt's online value
 * came back after the pointer it was read for had aged past the bound (the store was slow,
 * its calls retried through faults), so a missing row may be a version purged meanwhile, not
 * a missing entity (503: asking again is safe and cheap).
 */
export class ServedTooLateError extends RewindError {
  readonly code = 'ServedTooLate';
  constructor(view: string, attempts: number, stalenessMs: number) {
    super(`'${view}': ${attempts} reads in a row came back more than ${stalenessMs} ms after their pointer was read; retry shortly`);
  }
}

export class EventsNotPublishedError extends RewindError {
  readonly code = 'EventsNotPublished';
  constructor(
    readonly eventId: string,
    readonly published: number,
    options?: { cause?: unknown },
  ) {
    super(`the event bus did not take event ${eventId} (${published} published before it): republish again from its revision`, options);
  }
}
/** No deploy job has this id. */
export class JobNotFoundError extends RewindError {
  readonly code = 'JobNotFound';
  constructor(readonly id: string) {
    super(`no deploy job has the id ${id}`);
  }
}

export class DrillNotFoundError extends RewindError {
  readonly code = 'DrillNotFound';
  constructor(readonly id: string) {
    super(`no drill report has the id ${id}`);
  }
}

/** A job that has ended (succeeded, failed or cancelled) cannot be cancelled. */
export class JobEndedError extends InvalidStateError {
  override readonly code = 'JobEnded';
}

/** A job step found its job stopped (cancelled, or failed elsewhere): it does nothing more. */
export class JobStoppedError extends InvalidStateError {
  override readonly code = 'JobStopped';
}

/** No training set of this view has this id (GET /views/{view}/training-sets/{id}). */
export class TrainingSetNotFoundError extends RewindError {
  readonly code = 'TrainingSetNotFound';
  constructor(
    readonly view: string,
    readonly id: string,
  ) {
    super(`view '${view}' has no training set ${id}`);
  }
}

/** No incident has this id. */
export class IncidentNotFoundError extends RewindError {
  readonly code = 'IncidentNotFound';
  constructor(readonly id: string) {
    super(`no incident has the id ${id}`);
  }
}
