/**
 * The ports core/ needs from the outside world, one small interface per concern. store/
 * implements them over DynamoDB and S3; test/support/memory.ts in memory for unit tests.
 * A use case takes only the ports it uses (`Pick<Deps, 'pointers' | 'catalog'>`).
 */
export type { VersionCatalog } from './catalog';
export type { PointerLog, PointerChange, CommittedChange, PurgeStart } from './pointer-log';
export type { AuditLog, AuditFilter, AuditChain, ChainEnd } from './audit-log';
export type { Governance, AppliedProposal } from './governance';
export type { OnlineKey, OnlineStore, SnapshotStore, SnapshotWriter, SnapshotWriterState, SourceRecords, SourceStream, TrainingSetTable, TrainingSetWriter, Clock } from './data';
export { systemClock } from './data';
export type { HistoryEventPublisher } from './event-publisher';
export type { DriftSeriesSource, DriftSeriesQuery, DriftSeries, DriftPoint } from './drift-series';
