/**
 * Where profiles come from: the validation artifact stored with a version, or, for a version
 * deployed before preflight existed, its snapshot profiled again (slower, same numbers).
 */
import type { Deps } from '../deps';
import type { VersionRecord } from '../model';
import type { ValidationReport } from './preflight';
import { profileRows, type Profiles } from './profiles';

/** The JSON document stored next to each snapshot. */
export interface ValidationArtifact {
  report: ValidationReport;
  profiles: Profiles;
}

export const VALIDATION_ARTIFACT = 'validation';

/** A version's feature profiles. */
export async function versionProfiles(deps: Pick<Deps, 'snapshots'>, record: VersionRecord): Promise<Profiles> {
  if (record.validation?.artifact) return (await deps.snapshots.getDocument<ValidationArtifact>(record.validation.artifact)).profiles;
  return profileRows(record.definition, await deps.snapshots.read(record.snapshot, record.definition));
}

/**
 * The version whose profiles a served sample of `record` is compared with (see
 * MonitorPolicy.baseline): the version it was validated against, or itself.
 */
export function driftBaselineVersion(record: VersionRecord): number {
  const monitor = record.validation?.policy.monitor;
  if ((monitor?.baseline ?? 'preflight') === 'preflight' && record.validation?.baselineVersion) return record.validation.baselineVersion;
  return record.version;
}
