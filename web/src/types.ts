/** The API's answers the console reads: the product's own types, imported as types only (nothing of core/ is bundled). */
export type { HistoryEntry, Pointer, AuditEntry, VersionRecord, VersionStatus } from '../../core/model';
export type { VersionView } from '../../core/queries';
export type { DriftReport, FeatureDriftReport } from '../../core/drift-report';
export type { AuditVerdict } from '../../core/audit-checkpoint-verify';
export type { PolicyDocument } from '../../core/access-policy';
export type { JobView } from '../../core/jobs';
export type { DrillReport, TimelineMark, LatencyBucket } from '../../core/drills/report';
import type { modelLineage, sourceLineage, viewLineage } from '../../core/lineage';
export type ViewLineage = Awaited<ReturnType<typeof viewLineage>>;
export type SourceLineage = Awaited<ReturnType<typeof sourceLineage>>;
export type ModelLineage = Awaited<ReturnType<typeof modelLineage>>;
