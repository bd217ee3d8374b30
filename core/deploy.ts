/**
 * Deploying a version: check everything first, then write. Nothing is written until the
 * request and its rows have been fully checked and validated against the baseline (bad
 * input writes nothing, and a plan runs the same checks and stops there); after that the
 * order is snapshot → validation artifact → online values → version record, so a record only
 * ever points at data that exists. "Checked" includes DynamoDB's limits (core/limits.ts):
 * every row fits its online item, every number is one DynamoDB stores exactly, and the
 * version record is measured before the version number is taken. A store write that still
 * fails after that leaves nothing visible (see the catch below) and says so
 * (DeployNotRecordedError).
 *
 * A version that fails a blocking check is still recorded (outcome `rejected`, with its
 * report and snapshot, for the post-mortem) but never materialized online: it can never be
 * activated, so its rows would only cost storage.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json';
import type { DeployRequest } from './requests';
import type { Deps } from './deps';
import { DeployNotRecordedError, InvalidStateError, ValidationError } from './errors';
import { MAX_ITEM_BYTES, fieldPath, itemBytes, kilobytes, largestPath, numberProblem } from './limits';
import { actorName, type Actor } from './authorization';
import { activateVersion, type PointerChangeResult } from './pointer-changes';
import type { ArtifactRef, SnapshotRef, VersionRecord, VersionStatus, VersionValidation, ViewDefinition } from './model';
import type { Finding } from './validation/findings';
import { checkRows, type FeatureRow } from './rows';
import { VALIDATION_ARTIFACT, versionProfiles, type ValidationArtifact } from './validation/baseline';
import { resolvePolicy, type ResolvedPolicy } from './validation/tolerances';
import { preflight, type ConsumerUse, type PreflightBaseline, type ValidationReport } from './validation/preflight';
import { profileRows, type Profiles } from './validation/profiles';

/** Findings kept in the record itself; the artifact holds them all. */
export const MAX_RECORDED_FINDINGS = 50;

export interface DeployResult {
  view: string;
  version: number;
  status: VersionStatus;
  snapshot: SnapshotRef;
  /** Rows written online; 0 for a rejected version, which is never materialized. */
  materialized: { rows: number; ms: number };
  validation: ValidationReport;
  activation?: PointerChangeResult;
}

export interface DeployPlan {
  view: string;
  /** What a deploy of this request would do now; nothing was written. */
  wouldBe: 'rejected' | 'deployed' | 'active';
  rows: number;
  validation: ValidationReport;
}

export interface DeployProgress {
  onRowsWritten?: (written: number, total: number) => void;
}

export async function deployVersion(
  deps: Deps,
  /** A person's request carries its caller, so `activate: true` is judged by the same policy read. */
  by: Actor,
  view: string,
  request: DeployRequest,
  progress: DeployProgress = {},
): Promise<DeployResult> {
  const actor = actorName(by);
  const checked = await check(deps, view, request);
  const { definition, rows, report, profiles } = checked;
  const rejected = report.status === 'rejected';

  const at = deps.clock.now().toISOString();
  // Every limit before anything is written: the version record, as it will be, must fit
  // DynamoDB's item (rows were measured by checkRows). Measured with the largest version
  // number and snapshot reference there can be, so the verdict does not depend on them.
  checkRecordSize(versionRecord(checked, request, { view, version: Number.MAX_SAFE_INTEGER, at, actor, snapshot: LARGEST_SNAPSHOT, artifact: LARGEST_ARTIFACT }));

  const version = await deps.catalog.nextVersionNumber(view, at);
  let snapshot: SnapshotRef;
  let materialized: DeployResult['materialized'] = { rows: 0, ms: 0 };
  let recording = false;
  try {
    snapshot = await deps.snapshots.write(view, version, definition, rows);
    const artifact = await deps.snapshots.putDocument(view, version, VALIDATION_ARTIFACT, { report, profiles } satisfies ValidationArtifact);

    if (!rejected) {
      const started = performance.now();
      // `materializing` before the first row, `materialized` after the last (invariant 8): a
      // deploy killed between them leaves a state that no pointer change accepts unrebuilt.
      const claim = await deps.catalog.claimMaterialization(view, version, at);
      if (claim === undefined) throw new InvalidStateError(`version ${version} of '${view}' is already materialized: the number was taken twice`);
      const written = await deps.online.write(view, version, rows, (n) => progress.onRowsWritten?.(n, rows.length));
      materialized = { rows: written, ms: Math.round(performance.now() - started) };
      // The version record is not written yet, so nothing can purge it meanwhile.
      if (!(await deps.catalog.markMaterialized(view, version, written, deps.clock.now().toISOString(), claim)))
        throw new InvalidStateError(`version ${version} of '${view}' changed state while it was being deployed`);
    }

    const record = versionRecord(checked, request, { view, version, at, actor, snapshot, artifact });
    recording = true;
    await deps.catalog.putVersion(record, {
      actor,
      action: 'deploy',
      outcome: 'allowed',
      view,
      ...(rejected ? { reason: report.findings[0]?.message } : {}),
      detail: {
        version,
        snapshotSha256: snapshot.sha256,
        rows: snapshot.rows,
        definitionSha256: record.definitionSha256,
        validation: report.status,
        baselineVersion: record.validation!.baselineVersion,
      },
    });
  } catch (error) {
    // Until its record exists a version is invisible: not listed, not servable (a pointer
    // names only recorded versions), its view not in GET /views (the catalog registers a view
    // with its first record). The number stays a gap; what was written under it (snapshot,
    // online rows) is never read. The client is told that nothing was recorded.
    // A failed record write may still have landed (a timeout after the commit): then say so.
    throw new DeployNotRecordedError(view, version, { cause: error, uncertain: recording });
  }

  const result: DeployResult = { view, version, status: rejected ? 'rejected' : 'deployed', snapshot, materialized, validation: report };
  if (request.activate && !rejected) {
    result.activation = await activateVersion(deps, by, view, { version, reason: request.reason ?? `deployed with activate: true` });
    result.status = 'active';
  }
  return result;
}

/** Room for the snapshot reference's URI and hashes, at their largest (an S3 URI is at most bucket 63 + key 1024). */
const LARGEST_URI = `s3://${'b'.repeat(63)}/${'k'.repeat(1024)}`;
export const LARGEST_SNAPSHOT: SnapshotRef = { uri: LARGEST_URI, sha256: 'f'.repeat(64), rows: 0, bytes: 0, format: 'parquet' };
export const LARGEST_ARTIFACT: ArtifactRef = { uri: LARGEST_URI, sha256: 'f'.repeat(64), bytes: 0 };
/** A plan has no actor to record; a token's subject is measured at 256 characters. */
const LARGEST_ACTOR = 's'.repeat(256);
/** The record's item carries its sort key besides (store/dynamo-query.ts versionSk: `V#` + the number, padded). */
const SORT_KEY_BYTES = 'sk'.length + 2 + String(Number.MAX_SAFE_INTEGER).length;

/** Which request field a version record's attribute comes from, to name it in a refusal. */
const REQUEST_FIELD: Partial<Record<keyof VersionRecord, string>> = {
  definition: 'definition',
  transformation: 'transformation',
  sources: 'sources',
  consumers: 'consumers',
  consumerFeatures: 'consumers',
  changelog: 'changelog',
  artifacts: 'artifacts',
  runbook: 'runbook',
  validation: 'validation',
};

export function checkRecordSize(record: VersionRecord): void {
  const bytes = itemBytes(record as unknown as Record<string, unknown>) + SORT_KEY_BYTES;
  if (bytes <= MAX_ITEM_BYTES) return;
  const [top, ...rest] = largestPath(record);
  const from = top === undefined ? undefined : REQUEST_FIELD[top as keyof VersionRecord];
  // Below the request's own fields the path is the request's too (definition.features[3].description).
  const field = from === undefined ? 'body' : fieldPath(`body.${from}`, from === 'validation' || top === 'consumerFeatures' ? [] : rest);
  throw new ValidationError(
    field,
    `the version record would be ${kilobytes(bytes)}; DynamoDB stores at most ${kilobytes(MAX_ITEM_BYTES)} per item (definition, transformation, sources, consumers, changelog and findings together)`,
  );
}

export interface RecordContext {
  view: string;
  version: number;
  at: string;
  actor: string;
  snapshot: SnapshotRef;
  artifact: ArtifactRef;
}

/** The immutable record of a deploy; built once to be measured, once to be written, the same way. */
export function versionRecord(checked: Checked, request: DeployRequest, { view, version, at, actor, snapshot, artifact }: RecordContext): VersionRecord {
  const { definition, report, policy } = checked;
  const validation: VersionValidation = {
    status: report.status,
    baselineVersion: report.baseline?.version ?? null,
    policy,
    findings: report.findings.slice(0, MAX_RECORDED_FINDINGS).map(storableFinding),
    ...(report.findings.length > MAX_RECORDED_FINDINGS ? { findingsOmitted: report.findings.length - MAX_RECORDED_FINDINGS } : {}),
    artifact,
  };
  const consumerFeatures = Object.fromEntries(checked.consumers.filter((c) => c.features).map((c) => [c.name, c.features!]));
  return {
    view,
    version,
    definition,
    definitionSha256: sha256(canonicalJson(definition)),
    ...(request.transformation
      ? {
          transformation: {
            ...request.transformation,
            ...(request.transformation.code !== undefined ? { codeSha256: sha256(request.transformation.code) } : {}),
          },
        }
      : {}),
    sources: request.sources,
    consumers: checked.consumers.map((c) => c.name),
    ...(Object.keys(consumerFeatures).length ? { consumerFeatures } : {}),
    ...(request.changelog !== undefined ? { changelog: request.changelog } : {}),
    ...(request.artifacts?.length ? { artifacts: request.artifacts } : {}),
    ...(request.runbook ? { runbook: request.runbook } : {}),
    snapshot,
    outcome: report.status === 'rejected' ? 'rejected' : 'ready',
    validation,
    createdAt: at,
    createdBy: actor,
  };
}

/**
 * A finding as the record keeps it: a measured statistic DynamoDB cannot store exactly (a
 * variance past 2^53, a subnormal) is left out of the record; the artifact and the message
 * keep it.
 */
function storableFinding(finding: Finding): Finding {
  const { value, threshold, ...rest } = finding;
  return {
    ...rest,
    ...(value !== undefined && numberProblem(value) === undefined ? { value } : {}),
    ...(threshold !== undefined && numberProblem(threshold) === undefined ? { threshold } : {}),
  };
}

/**
 * Plan, then apply: the same checks and the same verdict as {@link deployVersion}, with
 * nothing written (no version number taken, no snapshot, no audit entry).
 *
 * @example (await planDeploy(deps, 'user_profile', request)).wouldBe // 'rejected'
 */
export async function planDeploy(deps: Deps, view: string, request: DeployRequest): Promise<DeployPlan> {
  const checked = await check(deps, view, request);
  const { rows, report } = checked;
  // The same limit as a deploy, so a plan never promises what DynamoDB would refuse.
  checkRecordSize(versionRecord(checked, request, { view, version: Number.MAX_SAFE_INTEGER, at: deps.clock.now().toISOString(), actor: LARGEST_ACTOR, snapshot: LARGEST_SNAPSHOT, artifact: LARGEST_ARTIFACT }));
  const wouldBe = report.status === 'rejected' ? 'rejected' : request.activate ? 'active' : 'deployed';
  return { view, wouldBe, rows: rows.length, validation: report };
}

export interface Checked {
  definition: ViewDefinition;
  rows: FeatureRow[];
  consumers: ConsumerUse[];
  policy: ResolvedPolicy;
  profiles: Profiles;
  report: ValidationReport;
}

export async function check(deps: Deps, view: string, request: DeployRequest): Promise<Checked> {
  const definition: ViewDefinition = request.definition;
  const rows = await loadRows(deps, view, definition, request);
  const policy = resolvePolicy(request.validation);
  const consumers = consumerUses(request.consumers);
  const baseline = await loadBaseline(deps, view, policy);
  const profiles = profileRows(definition, rows);
  const report = preflight({ definition, consumers, profiles, policy, ...(baseline ? { baseline } : {}) });
  return { definition, rows, consumers, policy, profiles, report };
}

/** The pinned version, else what the view serves now, else none (a first deploy). */
export async function loadBaseline(deps: Deps, view: string, policy: ResolvedPolicy): Promise<PreflightBaseline | undefined> {
  const pinned = policy.baselineVersion;
  let version = pinned;
  if (version === undefined) {
    const pointer = await deps.pointers.getPointer(view);
    if (pointer?.stable == null) return undefined;
    version = pointer.stable;
  }
  const record = await deps.catalog.getVersion(view, version);
  if (!record) throw new ValidationError('validation.baselineVersion', `view '${view}' has no version ${version}`);
  if (record.outcome === 'rejected')
    throw new ValidationError('validation.baselineVersion', `version ${version} was rejected at deploy; compare with a version that was accepted`);
  return {
    version,
    pinned: pinned !== undefined,
    definition: record.definition,
    consumers: record.consumers.map((name) => ({ name, ...(record.consumerFeatures?.[name] ? { features: record.consumerFeatures[name] } : {}) })),
    profiles: await versionProfiles(deps, record),
  };
}

export function consumerUses(consumers: DeployRequest['consumers']): ConsumerUse[] {
  return consumers.map((c) => (typeof c === 'string' ? { name: c } : { name: c.name, ...(c.features ? { features: c.features } : {}) }));
}

async function loadRows(deps: Deps, view: string, definition: ViewDefinition, request: DeployRequest): Promise<FeatureRow[]> {
  if (request.rows) return checkRows(definition, request.rows, { field: 'body.rows' });
  const source = await deps.snapshots.readSource(request.snapshotUri!, view);
  return checkRows(definition, source.records, { field: 'snapshotUri', fromText: source.fromText });
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
