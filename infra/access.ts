/**
 * Least privilege, as one reviewable table: what each function may do to each table and to
 * the snapshot bucket. The stack grants exactly this (RewindFunction.bindTable/bindBucket)
 * and the infra tests read the synthesized IAM policies back against it.
 *
 * Every function that builds the store (functions/commons/deps.ts → store/index.ts) is told
 * every shared table name and the bucket name, because store/config.ts reads them all at
 * cold start. A table with `usedBy` in contract/tables.ts is named only to the functions it
 * lists, and the infra tests check this table agrees with those lists.
 */
import type { TableSpec } from '../contract/tables';

export type TableId = TableSpec['id'];

/**
 * - `none`: nothing. For a shared table (no `usedBy` in contract/tables.ts) the function is
 *   still told the name, because store/config.ts reads every shared name at cold start; a
 *   table with `usedBy` is named only to the functions it lists.
 * - `read`: GetItem, BatchGetItem, Query, Scan (on the table and its indexes).
 * - `put`: PutItem only (serving's sample batches).
 * - `append`: PutItem and Query, no update or delete: the audit chain (query the head, put the
 *   next entry and the moved head under conditions, in one transaction) and history entries.
 *   Only the functions whose use case audits a change hold it on the audit table: refusals
 *   go to the refusals table (`record`), so a read-only route cannot write the audit table at all.
 *   What IAM cannot do: force the condition. A function that holds `append` can, through a
 *   direct PutItem, overwrite an entry of a chain; the chain's hashes and heads detect it
 *   (GET /audit/verify), and the signed checkpoints bound what can be rewritten unseen.
 * - `read-append`: both, for the functions that read the audit log and may also refuse.
 * - `record`: PutItem and UpdateItem, no read, no delete: the refusal log (a conditional Put per
 *   refusal, an `ADD` per refusal folded into a flood's aggregate).
 * - `read-record`: `record` and read, for GET /audit, which lists refusals with the entries.
 * - `write`: read plus PutItem, UpdateItem, DeleteItem, BatchWriteItem.
 */
export type TableAccess = 'none' | 'read' | 'put' | 'append' | 'read-append' | 'record' | 'read-record' | 'write';

// ConditionCheckItem reads only: a transaction's check that a state holds (a pointer change checks its versions are materialized).
const READ = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:Scan', 'dynamodb:ConditionCheckItem'];
export const DYNAMODB_ACTIONS: Record<Exclude<TableAccess, 'none'>, readonly string[]> = {
  read: READ,
  put: ['dynamodb:PutItem'],
  append: ['dynamodb:PutItem', 'dynamodb:Query'],
  'read-append': [...READ, 'dynamodb:PutItem'],
  record: ['dynamodb:PutItem', 'dynamodb:UpdateItem'],
  'read-record': [...READ, 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
  write: [...READ, 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'],
};

/** Whether an access lets a function create or change items. */
export function canWrite(access: TableAccess): boolean {
  return DYNAMODB_ACTIONS[access as Exclude<TableAccess, 'none'>]?.some((a) => /Put|Update|Delete|BatchWrite/.test(a)) ?? false;
}

/** Key prefixes in the snapshot bucket (store/s3-snapshots.ts writes under these). */
export const SNAPSHOTS_PREFIX = 'snapshots/';
export const UPLOADS_PREFIX = 'uploads/';
/** "As served" training sets (POST /views/{view}/training-sets), content-addressed per view. */
export const TRAINING_SETS_PREFIX = 'training-sets/';
/** Signed audit checkpoints (store/s3-audit-checkpoints.ts), under the bucket's Object Lock. */
export const CHECKPOINTS_PREFIX = 'checkpoints/';
/** Deploy jobs' files: request, chunks, manifest (store/s3-job-files.ts). */
export const JOBS_PREFIX = 'jobs/';

/**
 * The audit checkpoint key (KMS, asymmetric):
 * - `sign`: kms:Sign (the checkpoint functions, scheduled and on demand);
 * - `verify`: kms:GetPublicKey, on it and on the retired keys (GET /audit/verify verifies the
 *   signatures itself with the public keys, so it never needs kms:Verify).
 */
export type CheckpointKeyAccess = 'sign' | 'verify';
export const KMS_ACTIONS: Record<CheckpointKeyAccess, readonly string[]> = {
  sign: ['kms:Sign'],
  verify: ['kms:GetPublicKey'],
};

export interface BucketAccess {
  /** Key prefixes the function may read (GetObject, and ListBucket so a missing key is a 404, not a 403). */
  read?: readonly string[];
  /** Key prefixes the function may write (PutObject, which also signs upload URLs, and a multipart upload's parts). */
  write?: readonly string[];
  /**
   * Key patterns the function may delete (DeleteObject): only what a validation in segments
   * leaves on its way (its checkpoints under jobs/, a suspended snapshot's side files
   * `*.suspend-<n>`), never a snapshot.
   */
  discard?: readonly string[];
  /** Key prefixes under which the function may abort multipart uploads (a suspended snapshot of a job that failed). */
  abortUploads?: readonly string[];
}

/** A suspended snapshot writer's side files (store/snapshot-writer.ts): the one kind of snapshots/ key a job step deletes. */
export const SNAPSHOT_SIDE_FILES = `${SNAPSHOTS_PREFIX}*.suspend-`;

/**
 * CloudWatch access to the stack's own drift alarms (`<service>-drift-*`, contract/alarms.ts;
 * `rewind-drift-*` for the default stack), and only to those:
 * - `read`: DescribeAlarms and DescribeAlarmHistory (the bake check: did an alarm about the
 *   view fire since the trial started?).
 * - `manage`: DescribeAlarms, PutMetricAlarm and DeleteAlarms (sync-alarms).
 */
export type DriftAlarmAccess = 'read' | 'manage';
export const CLOUDWATCH_ACTIONS: Record<DriftAlarmAccess, readonly string[]> = {
  read: ['cloudwatch:DescribeAlarms', 'cloudwatch:DescribeAlarmHistory'],
  manage: ['cloudwatch:DescribeAlarms', 'cloudwatch:PutMetricAlarm', 'cloudwatch:DeleteAlarms'],
};

export interface FunctionAccess {
  tables: Record<TableId, TableAccess>;
  bucket: BucketAccess;
  driftAlarms?: DriftAlarmAccess;
  checkpointKey?: CheckpointKeyAccess;
  /** cloudwatch:GetMetricData (GET /views/{view}/drift reads the monitor's per-feature figures). */
  metricData?: boolean;
}

/**
 * What every HTTP function has. Each request is judged by the policy document in force
 * (stored in the versions table; functions/commons/policy-cache.ts) and, for tiered decisions, by
 * the view's tier (its pointer and version records: core/authorization.ts), so every
 * route reads versions and pointers. Any route may refuse a caller, and a refusal is recorded
 * in the refusal log (core/ports/refusal-log.ts), not in the audit table.
 */
const httpBase: Record<TableId, TableAccess> = {
  versions: 'read',
  pointers: 'read',
  history: 'none',
  audit: 'none',
  online: 'none',
  samples: 'none',
  idempotency: 'none',
  refusals: 'record',
  jobs: 'none',
  followups: 'none',
  drills: 'none',
  incidents: 'none',
};

/** A route whose use case audits what it changes (one hash-chained entry per change). */
const audits: Record<TableId, TableAccess> = { ...httpBase, audit: 'append' };

/** What a function that serves no HTTP route has as a base: it refuses no caller. */
const notHttp: Record<TableId, TableAccess> = { ...httpBase, refusals: 'none' };

/**
 * The pointer-moving paths: activation, rollback (manual and from an alarm) and deploy, which
 * activates in the same request when asked (`activate: true` calls core's activateVersion,
 * the same one transaction). Each may rematerialize a purged version from its snapshot.
 */
const movesPointers: FunctionAccess = {
  tables: { ...audits, versions: 'write', pointers: 'write', history: 'append', online: 'write' },
  bucket: { read: [SNAPSHOTS_PREFIX] },
  // No event bus: pointer and artifact events leave through the history outbox
  // (publish-pointer-events), from the entry written in the change's own transaction.
};

/** By handler name (contract/routes.ts `handler`, contract/rules.ts `handler`, scheduled functions). */
export const FUNCTION_ACCESS: Readonly<Record<string, FunctionAccess>> = {
  // Serving: reads only, plus its sample batches for the drift monitor. It can never move a
  // pointer or change a value it serves.
  'get-online': { tables: { ...httpBase, online: 'read', samples: 'put' }, bucket: {} },
  // Batch serving: the same reads (BatchGetItem is in `read`) and the same sample batches.
  'get-online-batch': { tables: { ...httpBase, online: 'read', samples: 'put' }, bucket: {} },
  'list-views': { tables: httpBase, bucket: {} },
  // With the newest history entry: the verification after the latest rollback.
  'get-view': { tables: { ...httpBase, history: 'read', followups: 'read' }, bucket: {} },
  'list-versions': { tables: httpBase, bucket: {} },
  'get-version': { tables: httpBase, bucket: {} },
  'get-history': { tables: { ...httpBase, history: 'read', followups: 'read' }, bucket: {} },
  'get-view-as-of': { tables: { ...httpBase, history: 'read' }, bucket: {} },
  'get-source-lineage': { tables: httpBase, bucket: {} },
  'get-view-lineage': { tables: httpBase, bucket: {} },
  // The console's drift charts: the monitor's FeatureDrift series, read from CloudWatch.
  'get-drift': { tables: httpBase, bucket: {}, metricData: true },
  'get-model-lineage': { tables: httpBase, bucket: {} },
  // The monitor's measurement records live in the samples table.
  'get-blast-radius': { tables: { ...httpBase, history: 'read', samples: 'read' }, bucket: {} },
  // Values as served at a time: online rows while materialized, else the verified snapshot.
  'get-online-as-of': { tables: { ...httpBase, history: 'read', online: 'read' }, bucket: { read: [SNAPSHOTS_PREFIX] } },
  // The same reads for many rows, the caller's entity file (an upload), and the set it writes;
  // a large one becomes a training-set job (core/jobs/training-set.ts): the job record, and its request in jobs/.
  'create-training-set': {
    tables: { ...httpBase, history: 'read', online: 'read', jobs: 'write' },
    bucket: { read: [UPLOADS_PREFIX, SNAPSHOTS_PREFIX, TRAINING_SETS_PREFIX], write: [TRAINING_SETS_PREFIX, JOBS_PREFIX] },
  },
  // Signs a GET for a stored set (HeadObject, to answer 404 for none, is s3:GetObject too).
  'get-training-set': { tables: httpBase, bucket: { read: [TRAINING_SETS_PREFIX] } },
  'list-audit': { tables: { ...httpBase, audit: 'read', refusals: 'read-record' }, bucket: {} },
  // The chains, the history's citations of them, and the signed checkpoints they must extend.
  'verify-audit': { tables: { ...httpBase, history: 'read', audit: 'read' }, bucket: { read: [CHECKPOINTS_PREFIX] }, checkpointKey: 'verify' },
  // POST /audit/checkpoints: audits the request, reads every chain's end, signs, stores.
  'create-audit-checkpoint': { tables: { ...audits, audit: 'read-append' }, bucket: { read: [CHECKPOINTS_PREFIX], write: [CHECKPOINTS_PREFIX] }, checkpointKey: 'sign' },
  // Scheduled: the same without a caller (nothing audited, no policy read).
  'audit-checkpoint': {
    tables: { ...notHttp, versions: 'none', pointers: 'none', audit: 'read' },
    bucket: { read: [CHECKPOINTS_PREFIX], write: [CHECKPOINTS_PREFIX] },
    checkpointKey: 'sign',
  },
  'create-upload': { tables: httpBase, bucket: { write: [UPLOADS_PREFIX] } },
  // Plan, then apply: the same checks as a deploy (data file, baseline profiles), no writes.
  'plan-version': { tables: httpBase, bucket: { read: [UPLOADS_PREFIX, SNAPSHOTS_PREFIX] } },
  // Deletes a version's rows, listed by its snapshot; a large one becomes a purge job (core/jobs/purge.ts): the job record.
  'purge-version': { tables: { ...audits, versions: 'write', online: 'write', jobs: 'write' }, bucket: { read: [SNAPSHOTS_PREFIX] } },
  'deploy-version': {
    // A large deploy becomes a job (core/jobs.ts): the job record, and its request in jobs/.
    tables: { ...movesPointers.tables, jobs: 'write' },
    // Reads the caller's data file (an upload, or an earlier snapshot) and the baseline's
    // profiles; writes the new snapshot and its validation report.
    bucket: { read: [UPLOADS_PREFIX, SNAPSHOTS_PREFIX], write: [SNAPSHOTS_PREFIX, JOBS_PREFIX] },
  },
  'get-job': { tables: { ...httpBase, jobs: 'read' }, bucket: {} },
  'list-jobs': { tables: { ...httpBase, jobs: 'read' }, bucket: {} },
  // Only marks the job `cancelling`: the fail step deletes what it wrote.
  'cancel-job': { tables: { ...httpBase, jobs: 'write' }, bucket: {} },
  // The deploy job's steps (infra/constructs/deploy-jobs.ts), each with what its step does and no more.
  // Validate (streaming, core/job-validation.ts): the data file and the baseline, then the snapshot,
  // the validation report, and the chunk files and their manifest, written batch by batch.
  // In segments (a file too large for one invocation), it also deletes its own checkpoints and side files, and aborts its upload on a bad row.
  'jobs/validate': {
    tables: { ...notHttp, jobs: 'write' },
    bucket: { read: [UPLOADS_PREFIX, SNAPSHOTS_PREFIX, JOBS_PREFIX], write: [SNAPSHOTS_PREFIX, JOBS_PREFIX], discard: [JOBS_PREFIX, SNAPSHOT_SIDE_FILES], abortUploads: [SNAPSHOTS_PREFIX] },
  },
  // Plan: the materialization claim (and, for a job validated before validation streamed, the chunk files cut from its snapshot).
  'jobs/plan': { tables: { ...notHttp, pointers: 'none', versions: 'write', jobs: 'write' }, bucket: { read: [SNAPSHOTS_PREFIX, JOBS_PREFIX], write: [JOBS_PREFIX] } },
  // The chunk writer: online rows (written, or a purge job's deleted) and its job's progress (counters, a training
  // set's answered part under jobs/), nothing else. It reads the versions table for a purge's fence (each delete
  // transaction checks, ConditionCheckItem, that the version is still `purging`), and a training set's chunk reads
  // what a GET /online at each instant read: the pointer history, versions, online rows, snapshots.
  'jobs/materialize-chunk': {
    tables: { ...notHttp, versions: 'read', pointers: 'read', history: 'read', online: 'write', jobs: 'write' },
    bucket: { read: [JOBS_PREFIX, SNAPSHOTS_PREFIX], write: [JOBS_PREFIX] },
  },
  // Finalize: `materialized`, the version record and its audit entry, then `activate: true` as a pointer change.
  // A training set's finalize: its parts, and the set stored where a synchronous one is.
  'jobs/finalize': { ...movesPointers, tables: { ...movesPointers.tables, refusals: 'none', jobs: 'write' }, bucket: { read: [SNAPSHOTS_PREFIX, JOBS_PREFIX], write: [TRAINING_SETS_PREFIX] } },
  // Fail: the purge's start (pointer check, audit entry), the fenced deletes, the job's end.
  // It also aborts the snapshot upload of a validation stopped between two segments (reading the writer's side file, deleting it).
  'jobs/fail': {
    tables: { ...notHttp, versions: 'write', online: 'write', audit: 'append', jobs: 'write' },
    bucket: { read: [JOBS_PREFIX, SNAPSHOTS_PREFIX], discard: [SNAPSHOT_SIDE_FILES], abortUploads: [SNAPSHOTS_PREFIX] },
  },
  activate: movesPointers,
  // Its answer carries the blast radius of the version it left: the monitor's measurements (samples table).
  rollback: { ...movesPointers, tables: { ...movesPointers.tables, samples: 'read' } },
  // A source revert: a rollback per view, the incident recorded (put, twice), blast radii attached.
  'revert-source': { ...movesPointers, tables: { ...movesPointers.tables, samples: 'read', incidents: 'put' } },
  'get-incident': { tables: { ...httpBase, incidents: 'read' }, bucket: {} },
  // Issue 5's pointer changes: each is one transaction like any other (pointer, history, audit).
  promote: movesPointers,
  'disable-feature': movesPointers,
  'enable-feature': movesPointers,
  // Approvals and the policy document live in the versions table (store/dynamo-governance.ts).
  'create-approval': { tables: { ...audits, versions: 'write' }, bucket: {} },
  'list-approvals': { tables: httpBase, bucket: {} },
  'get-policy': { tables: httpBase, bucket: {} },
  // PUT /policy stores a proposal (or, with break-glass, a revision); approving one writes the
  // revision and marks the proposal applied (an UpdateItem) in one transaction.
  'put-policy': { tables: { ...audits, versions: 'write' }, bucket: {} },
  'list-policy-proposals': { tables: httpBase, bucket: {} },
  'approve-policy-proposal': { tables: { ...audits, versions: 'write' }, bucket: {} },
  // POST /events/republish: reads a view's history back, audits the replay, and puts the events
  // on the bus (bound in infra/rewind-stack.ts; the bus policy names its role beside the publisher's).
  'republish-events': { tables: { ...audits, history: 'read' }, bucket: {} },
  // Idempotency records: one rollback per alarm transition (Powertools idempotency).
  // Reads the monitor's measurement records (samples table) before acting on an alarm.
  'alarm-rollback': { ...movesPointers, tables: { ...movesPointers.tables, history: 'append', idempotency: 'write', samples: 'read', refusals: 'none' } },
  // Scheduled: promotes canaries and shadows whose bake passed with no drift alarm since
  // their start (core/bake.ts), as a pointer change like any other.
  'promote-canaries': { ...movesPointers, tables: { ...movesPointers.tables, samples: 'read', refusals: 'none' }, driftAlarms: 'read' },
  // On pointer events: reads the served version's monitor policy, puts and deletes the
  // view's drift alarms. Audits nothing (it changes no Rewind state) and reads no data.
  // As the drift-alarm custom resource's handler it also reads its own stack's status
  // (cloudformation:DescribeStacks, granted by infra/constructs/drift-alarm-lifecycle.ts).
  'sync-alarms': { tables: notHttp, bucket: {}, driftAlarms: 'manage' },
  // Drill reports (POST /drills by the runner, audited; GET /drills, /drills/{id}).
  'put-drill': { tables: { ...audits, drills: 'put' }, bucket: {} },
  'list-drills': { tables: { ...httpBase, drills: 'read' }, bucket: {} },
  'get-drill': { tables: { ...httpBase, drills: 'read' }, bucket: {} },
  // GET /views/{view}/runbook: the pointer, the versions and the policy (in the versions table).
  'get-runbook': { tables: { ...httpBase, history: 'read', followups: 'read' }, bucket: {} },
  // On a rollback's event: reads the restored snapshot and its online rows (verify-restored),
  // the history and measurements (escalation context, blast radius), the view's drift alarms
  // (check-models); appends one audit entry and sets the entry's followUp (UpdateItem).
  // Idempotency records: one follow-up per rollback.
  'after-rollback': {
    tables: { ...notHttp, history: 'read', audit: 'append', online: 'read', samples: 'read', idempotency: 'write', followups: 'append' },
    bucket: { read: [SNAPSHOTS_PREFIX] },
    driftAlarms: 'read',
  },
  // Scheduled: reads what is served and its samples, compares with the baseline's profiles.
  'drift-monitor': {
    // read-append: it also writes the measurement record of each datapoint it publishes.
    tables: { ...notHttp, samples: 'read-append' },
    bucket: { read: [SNAPSHOTS_PREFIX] },
  },
};

export function accessFor(handler: string): FunctionAccess {
  const access = FUNCTION_ACCESS[handler];
  if (!access) throw new Error(`no access entry for function '${handler}': add it to infra/access.ts`);
  return access;
}

/**
 * The versions-table partition of the policy document (store/dynamo-governance.ts): only the
 * route that changes the policy may write it. Every other function that writes the versions
 * table gets an explicit Deny on `dynamodb:LeadingKeys` = this partition.
 * What IAM cannot separate: approvals live in their view's partition (sort key `approval#…`),
 * and IAM conditions see only the leading (partition) key, so a function that writes the
 * versions table could write an approval item; the approval's audit entry and its chain are
 * what shows one that no approver made.
 */
export const GOVERNANCE_PARTITIONS: readonly string[] = ['#policy'];
export const GOVERNANCE_WRITERS: readonly string[] = ['put-policy'];

/** Handlers allowed to create or change items of a table. */
export function writersOf(table: TableId): string[] {
  return Object.entries(FUNCTION_ACCESS)
    .filter(([, a]) => canWrite(a.tables[table]))
    .map(([handler]) => handler)
    .sort();
}
