/**
 * What a validation says, as the version record keeps it. A leaf of core/validation: the
 * model names these types, and the checks that produce them name the model, so they live
 * apart from both (no import cycle).
 */
import type { DistributionCheck } from './tolerances';

export type FindingCheck = 'schema.entityChanged' | 'schema.removed' | 'schema.typeChanged' | DistributionCheck;
export type FindingLevel = 'warn' | 'block';

export interface Finding {
  level: FindingLevel;
  check: FindingCheck;
  feature?: string;
  value?: number;
  threshold?: number;
  /** Declared consumers that depend on what changed. */
  consumers?: string[];
  /** Why a blocking finding was only a warning. */
  downgraded?: 'enforce' | 'minValues';
  message: string;
}

export type ValidationStatus = 'passed' | 'warned' | 'rejected';
