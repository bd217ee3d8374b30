/**
 * Deploying a version: check everything first, then write. Nothing is written until the
 * request and its rows have been fully checked and validated against the baseline (bad
 * input writes nothing, and a plan runs the same checks and stops there); after that the
 * order is snapshot → validation artifact → online values → version record, so a record only
 * ever points at data that exists.
 *
 * A version that fails a blocking check is still recorded (outcome `rejected`, with its
 * report and snapshot, for the post-mortem) but never materialized online: it can never be
 * activated, so its rows would only cost storage.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json';
import type { DeployRequest } from './requests';
import type { Deps } from './deps';
import { InvalidStateError, ValidationError } from './errors';
import { actorName, type Actor } from './authorization';
import { activateVersion, type PointerChangeResult } from './pointer-changes';
import type { SnapshotRef, VersionRecord, VersionStatus, VersionValidation, ViewDefinition } from './model';
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
  const { definition, rows, report, profiles, policy } = checked;
  const rejected = report.status === 'rejected';

  const at = deps.clock.now().toISOString();
  const version = await deps.catalog.nextVersionNumber(view, at);
  const snapshot = await deps.snapshots.write(view, version, definition, rows);
  const artifact = await deps.snapshots.putDocument(view, version, VALIDATION_ARTIFACT, { report, profiles } satisfies ValidationArtifact);

  let materialized: DeployResult['materialized'] = { rows: 0, ms: 0 };
  if (!rejected) {
    const started = performance.now();
    // `materializing` before the first row, `materialized` after the last (invariant 8): a
    // deploy killed between them leaves a state that no pointer change accepts unrebuilt.
    await deps.catalog.claimMaterialization(view, version, at);
    const written = await deps.online.write(view, version, rows, (n) => progress.onRowsWritten?.(n, rows.length));
    materialized = { rows: written, ms: Math.round(performance.now() - started) };
    // The version record is not written yet, so nothing can purge it meanwhile.
    if (!(await deps.catalog.markMaterialized(view, version, written, deps.clock.now().toISOString())))
      throw new InvalidStateError(`version ${version} of '${view}' changed state while it was being deployed`);
  }

  const validation: VersionValidation = {
    status: report.status,
    baselineVersion: report.baseline?.version ?? null,
    policy,
    findings: report.findings.slice(0, MAX_RECORDED_FINDINGS),
    ...(report.findings.length > MAX_RECORDED_FINDINGS ? { findingsOmitted: report.findings.length - MAX_RECORDED_FINDINGS } : {}),
    artifact,
  };
  const consumerFeatures = Object.fromEntries(checked.consumers.filter((c) => c.features).map((c) => [c.name, c.features!]));
  const record: VersionRecord = {
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
    snapshot,
    outcome: rejected ? 'rejected' : 'ready',
    validation,
    createdAt: at,
    createdBy: actor,
  };
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
      baselineVersion: validation.baselineVersion,
    },
  });

  const result: DeployResult = { view, version, status: rejected ? 'rejected' : 'deployed', snapshot, materialized, validation: report };
  if (request.activate && !rejected) {
    result.activation = await activateVersion(deps, by, view, { version, reason: request.reason ?? `deployed with activate: true` });
    result.status = 'active';
  }
  return result;
}

/**
 * Plan, then apply: the same checks and the same verdict as {@link deployVersion}, with
 * nothing written (no version number taken, no snapshot, no audit entry).
 *
 * @example (await planDeploy(deps, 'user_profile', request)).wouldBe // 'rejected'
 */
export async function planDeploy(deps: Deps, view: string, request: DeployRequest): Promise<DeployPlan> {
  const { rows, report } = await check(deps, view, request);
  const wouldBe = report.status === 'rejected' ? 'rejected' : request.activate ? 'active' : 'deployed';
  return { view, wouldBe, rows: rows.length, validation: report };
}

interface Checked {
  definition: ViewDefinition;
  rows: FeatureRow[];
  consumers: ConsumerUse[];
  policy: ResolvedPolicy;
  profiles: Profiles;
  report: ValidationReport;
}

async function check(deps: Deps, view: string, request: DeployRequest): Promise<Checked> {
  const definition: ViewDefinition = request.definition;
  const rows = await loadRows(deps, definition, request);
  const policy = resolvePolicy(request.validation);
  const consumers = consumerUses(request.consumers);
  const baseline = await loadBaseline(deps, view, policy);
  const profiles = profileRows(definition, rows);
  const report = preflight({ definition, consumers, profiles, policy, ...(baseline ? { baseline } : {}) });
  return { definition, rows, consumers, policy, profiles, report };
}

/** The pinned version, else what the view serves now, else none (a first deploy). */
async function loadBaseline(deps: Deps, view: string, policy: ResolvedPolicy): Promise<PreflightBaseline | undefined> {
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

function consumerUses(consumers: DeployRequest['consumers']): ConsumerUse[] {
  return consumers.map((c) => (typeof c === 'string' ? { name: c } : { name: c.name, ...(c.features ? { features: c.features } : {}) }));
}

async function loadRows(deps: Deps, definition: ViewDefinition, request: DeployRequest): Promise<FeatureRow[]> {
  if (request.rows) return checkRows(definition, request.rows, { field: 'body.rows' });
  const source = await deps.snapshots.readSource(request.snapshotUri!);
  return checkRows(definition, source.records, { field: 'snapshotUri', fromText: source.fromText });
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
