/** Rewind's domain types. Plain data: every one of them round-trips through JSON. */
import type { FollowUp, Runbook } from './runbook';
import type { ResolvedPolicy } from './validation/tolerances';
import type { Finding, ValidationStatus } from './validation/findings';

export const FEATURE_TYPES = ['int', 'float', 'string', 'bool'] as const;
export type FeatureType = (typeof FEATURE_TYPES)[number];
export type FeatureValue = number | string | boolean | null;

export const TIERS = ['standard', 'critical'] as const;
export type Tier = (typeof TIERS)[number];

export interface FeatureSpec {
  name: string;
  type: FeatureType;
  default?: FeatureValue;
  description?: string;
}

export interface ViewDefinition {
  /** Name of the entity key column, e.g. `user_id`. */
  entity: string;
  features: FeatureSpec[];
  tier: Tier;
  owners: string[];
}

export interface Transformation {
  kind: string;
  ref: string;
  code?: string;
  /** sha256 of `code` when given, so two versions with the same logic are recognisable. */
  codeSha256?: string;
  /** Each feature's inputs, as (source URI, field), when the transformation declares them (OpenLineage `columnLineage`). */
  columnLineage?: Record<string, { source: string; field: string }[]>;
}

export interface DataSource {
  uri: string;
  checksum?: string;
  ingestedAt?: string;
}

export interface SnapshotRef {
  uri: string;
  sha256: string;
  rows: number;
  bytes: number;
  format: 'parquet';
  /**
   * How to read one entity without reading the file (absent on snapshots written before it:
   * they are read whole, checked against `sha256`).
   */
  index?: SnapshotIndex;
}

/**
 * A snapshot written sorted by entity (UTF-8 byte order, the order of Parquet's statistics)
 * in row groups of at most `rowGroupRows` rows, each with min/max statistics of the entity
 * column. The checksums are recorded here, in the immutable version record, so a ranged read
 * of the footer and of one row group is verified as the whole file is.
 */
export interface SnapshotIndex {
  sortedBy: 'entity';
  rowGroupRows: number;
  /** Where the footer (Parquet metadata, its length, `PAR1`) starts; it runs to the end of the file. */
  footerOffset: number;
  footerSha256: string;
  /** One per row group, in file order: the sha256 of the bytes of its column chunks. */
  rowGroupSha256: string[];
}

/** A JSON document stored next to a version's snapshot, checked against its sha256 when read. */
export interface ArtifactRef {
  uri: string;
  sha256: string;
  bytes: number;
}

/**
 * What preflight validation decided, as kept in the version record. The record stays small
 * (DynamoDB items stop at 400 KB): the full report and every feature's profile live in the
 * artifact next to the snapshot; the record keeps the verdict, the policy it was judged by
 * and the first findings.
 */
export interface VersionValidation {
  status: ValidationStatus;
  /** The version it was compared with; null when it had none (a view's first deploy). */
  baselineVersion: number | null;
  policy: ResolvedPolicy;
  /** Blocking findings first; at most MAX_RECORDED_FINDINGS. */
  findings: Finding[];
  findingsOmitted?: number;
  /** `{ report, profiles }`: the full validation report and the version's feature profiles. */
  artifact: ArtifactRef;
}

/** The decision taken at deploy time; it is part of the immutable record. */
export type DeployOutcome = 'ready' | 'rejected';

/** What the API reports a version to be: the deploy outcome combined with the pointer. */
export type VersionStatus = 'deployed' | 'active' | 'candidate' | 'superseded' | 'rolled-back' | 'rejected';

export interface VersionRecord {
  view: string;
  version: number;
  definition: ViewDefinition;
  definitionSha256: string;
  transformation?: Transformation;
  sources: DataSource[];
  consumers: string[];
  /** Features each consumer reads, for those that declared them (the others read every feature). */
  consumerFeatures?: Record<string, string[]>;
  changelog?: string;
  snapshot: SnapshotRef;
  outcome: DeployOutcome;
  /** Why the version was rejected, or warnings it was accepted with. Absent on versions deployed before validation existed. */
  validation?: VersionValidation;
  /** Caches, pre-joined tables and dashboards built from this version, refreshed on every pointer change (core/artifacts.ts). */
  artifacts?: DerivedArtifact[];
  /** What follows a rollback onto or off this version (core/runbook.ts); absent: the default runbook. */
  runbook?: Runbook;
  createdAt: string;
  createdBy: string;
}

/** Where a derived artifact sits in the refresh order: data first, then the models built on it, then dashboards. */
export const ARTIFACT_TIERS = ['data', 'model', 'dashboard'] as const;
export type ArtifactTier = (typeof ARTIFACT_TIERS)[number];
export const ARTIFACT_KINDS = ['cache-namespace', 'feature-vector-table', 'dashboard'] as const;
export type ArtifactKind = (typeof ARTIFACT_KINDS)[number];

/** Something built from a version's values that must not outlive a pointer change unrefreshed. */
export interface DerivedArtifact {
  kind: ArtifactKind;
  name: string;
  tier: ArtifactTier;
}

/**
 * One artifact of a pointer change's refresh plan (core/artifacts.ts planArtifacts). It is
 * decided before the change commits and recorded in its history entry, so in the change's own
 * transaction: the outbox publishes the artifact's event from there, and no committed change
 * loses it.
 */
export interface PlannedArtifact extends DerivedArtifact {
  /** Position in the refresh order (data → models → dashboards), from 0. */
  order: number;
  /** The version(s) that declared it. */
  declaredBy: number[];
  /**
   * - invalidated: Rewind refreshes it itself, in the request, after the commit (locally, a
   *   cache namespace's generation is bumped); the response says whether that worked;
   * - requested: its owner refreshes it, asked by the artifact's event.
   */
  status: 'invalidated' | 'requested';
  detail?: string;
}

export const RELEASE_STRATEGIES = ['all-at-once', 'canary', 'shadow'] as const;
export type ReleaseStrategy = (typeof RELEASE_STRATEGIES)[number];

/**
 * A version on trial next to `stable`. A canary serves it to a deterministic `percent` of
 * entities (core/canary.ts); a shadow serves it to nobody and only feeds the drift monitor.
 */
export interface Candidate {
  version: number;
  strategy: 'canary' | 'shadow';
  /** Share of entities served the candidate, 0–100 (0 for a shadow). */
  percent: number;
  /** When set, the scheduled check promotes it once this long has passed since `startedAt` with no alarm. */
  bakeSeconds?: number;
  startedAt: string;
  startedBy: string;
  /** The approval its start consumed, when its tier needs one: promoting it needs no second. */
  approvalId?: string;
}

export interface Pointer {
  view: string;
  /** Version served to everyone; null before the first activation. */
  stable: number | null;
  /** Versions that were stable before, oldest first: the rollback path. */
  previousStable: number[];
  /** Versions rolled back from; never chosen again as an automatic rollback target. */
  rolledBack: number[];
  disabledFeatures: string[];
  /** The version on trial, if any; absent or null when there is none. */
  candidate?: Candidate | null;
  /** Incremented by every change; 0 means the view has never been activated. */
  revision: number;
  updatedAt: string;
  updatedBy: string;
}

export { POINTER_ACTIONS, type PointerAction } from '../contract/actions';
import type { PointerAction } from '../contract/actions';

export interface HistoryEntry {
  view: string;
  revision: number;
  action: PointerAction;
  actor: string;
  reason?: string;
  at: string;
  fromVersion: number | null;
  toVersion: number | null;
  before: Pointer | null;
  after: Pointer;
  auditId: string;
  /** disable / enable: the feature switched. */
  feature?: string;
  /** The approval this change consumed (critical tiers). */
  approvalId?: string;
  /** Done by an admin without an approval, for the reason given. */
  breakGlass?: boolean;
  /**
   * The derived artifacts this change refreshes, in order; absent when there are none (and on
   * entries written before artifact events went through the outbox).
   */
  artifacts?: PlannedArtifact[];
  /** API only (GET history): what the view's runbook found after this rollback, from the followups table; never stored on the entry. */
  followUp?: FollowUp;
}

export type AuditOutcome = 'allowed' | 'denied';

/** An audit entry before it is placed on its chain. */
export interface AuditDraft {
  actor: string;
  action: string;
  outcome: AuditOutcome;
  view?: string;
  reason?: string;
  detail?: Record<string, unknown>;
}

export interface AuditEntry extends AuditDraft {
  chain: string;
  seq: number;
  /** `${chain}/${seq}`: what history entries and responses cite. */
  id: string;
  at: string;
  prevHash: string;
  hash: string;
  /**
   * Written together with its chain's head (true of every entry since heads exist). Covered by
   * the hash, so a chain that holds such an entry but no head has lost its head.
   */
  anchored?: true;
}

/**
 * The newest (seq, hash) of one audit chain, kept in an item of its own and written in the same
 * transaction as every entry. Entries alone cannot show that the newest of them were deleted
 * (nothing later cites them); the head can.
 */
export interface ChainHead {
  chain: string;
  /** seq of the chain's newest entry. */
  seq: number;
  /** hash of the chain's newest entry. */
  hash: string;
  /** when that entry was written. */
  at: string;
  /**
   * Set when an append found the head missing although the newest entry had been written with
   * one, and rebuilt it from that entry: whatever followed that entry may have been deleted with
   * the head. Carried forward by every later append, so the verdict outlives the next write.
   */
  rebuilt?: { at: string; fromSeq: number };
}

export interface Principal {
  sub: string;
  roles: string[];
  /** Authentication methods of the token (`amr` claim); `mfa` among them is what critical changes need. */
  amr?: string[];
}

/**
 * A version's rows in the online table (DESIGN invariant 8, docs/materialization.md):
 * `materializing → materialized → purging → purged`, and back to `materializing` when a
 * pointer change needs a version that is not `materialized`. Every transition is a
 * conditional write; only `materialized` may be served (the pointer change's transaction
 * checks it), and rows are deleted only while `purging` (each delete batch checks it).
 */
export type MaterializationState = 'materializing' | 'materialized' | 'purging' | 'purged';

export interface Materialization {
  view: string;
  version: number;
  state: MaterializationState;
  rows: number;
  updatedAt: string;
}

/** Pointer changes a tier can make wait for a second person's approval. */
export const APPROVABLE_ACTIONS = ['activate', 'promote', 'rollback', 'disable', 'enable'] as const;
export type ApprovableAction = (typeof APPROVABLE_ACTIONS)[number];

/**
 * A second person's yes to one pointer change of a view (core/approvals.ts). Used once: the
 * pointer change that relies on it marks it used in the same transaction.
 */
export interface Approval {
  view: string;
  /** Sortable by time: `${at}#${random}`. */
  id: string;
  action: ApprovableAction;
  /** The version it approves going live (activate) or going back to (rollback); absent: any. */
  version?: number;
  /** disable / enable: the feature; absent: any. */
  feature?: string;
  approver: string;
  reason?: string;
  at: string;
  expiresAt: string;
  usedAt?: string;
  usedBy?: string;
  /** The pointer revision whose change used it. */
  usedRevision?: number;
}

/** The policy document as stored: one immutable item per revision (core/access-policy.ts). */
export interface StoredPolicy<D = unknown> {
  revision: number;
  document: D;
  updatedAt: string;
  updatedBy: string;
}

/**
 * A policy change waiting for a second person (issue 10 item 5): PUT /policy stores one; it
 * takes effect when another admin or approver with MFA approves it, as revision
 * `baseRevision + 1`, or never (a proposal made against a revision that is no longer in force
 * cannot be applied: it would silently undo the change made meanwhile).
 */
export interface PolicyProposal<D = unknown> {
  id: string;
  /** The revision in force when it was proposed; it applies only on top of that one. */
  baseRevision: number;
  document: D;
  proposedBy: string;
  proposedAt: string;
  reason?: string;
  /** Set, with the revision it became, when it was applied (once: a conditional write). */
  applied?: { revision: number; approvedBy: string; approvedAt: string; reason?: string };
}
