import type { Pointer, VersionRecord, VersionStatus } from './model';

/**
 * What a version is now. The record itself never changes after deploy (invariant 1), so
 * everything that can change about a version is read off the pointer.
 */
export function versionStatus(record: Pick<VersionRecord, 'version' | 'outcome'>, pointer: Pointer | undefined): VersionStatus {
  if (record.outcome === 'rejected') return 'rejected';
  if (!pointer) return 'deployed';
  if (pointer.stable === record.version) return 'active';
  if (pointer.candidate?.version === record.version) return 'candidate';
  if (pointer.rolledBack.includes(record.version)) return 'rolled-back';
  if (pointer.previousStable.includes(record.version)) return 'superseded';
  return 'deployed';
}
