/** Incidents: several pointer changes made for one cause (a source-level revert), kept for the review. */

/** One view's part in an incident. */
export interface IncidentView {
  view: string;
  /** What the view served when the incident was planned. */
  servedBefore: { stable: number | null; candidate: number | null };
  /** Which of those versions read the source. */
  readSource: number[];
  fromVersion: number | null;
  /** The version it goes (or went) back to; absent when there is none. */
  toVersion?: number;
  /**
   * would-revert (dry run) · pending (recorded, not yet done) · reverted · already (the pointer
   * said so already) · refused (a guard: role, tier, MFA, approval) · failed (a conflict, a
   * state) · no-target (no earlier version without the source: see `killSwitch`).
   */
  outcome: 'would-revert' | 'pending' | 'reverted' | 'already' | 'refused' | 'failed' | 'no-target';
  why: string;
  /** The kill switch offered, not used: the features the source feeds, and the routes that would disable them. */
  killSwitch?: { features: string[]; routes: string[] };
  error?: { code: string; message: string };
  auditId?: string;
  revision?: number;
  /** The blast radius of the version rolled back from (core/blast-radius.ts), when it could be computed in time. */
  blastRadius?: unknown;
}

export interface Incident {
  /** `inc-<UTC time>-<random>`; null for a dry run, which is never recorded. */
  id: string | null;
  kind: 'source-revert';
  source: { uri?: string; checksum?: string };
  reason: string;
  actor: string;
  createdAt: string;
  completedAt?: string;
  dryRun: boolean;
  /** planned (a dry run) · in-progress (recorded before the first change) · done. */
  status: 'planned' | 'in-progress' | 'done';
  /** Views rolled back (for a dry run: that would be). */
  reverted: IncidentView[];
  /** Views not rolled back, each with why. */
  notReverted: IncidentView[];
}

export interface IncidentLog {
  /** Writes the incident (its later state replaces the earlier one). */
  put(incident: Incident): Promise<void>;
  get(id: string): Promise<Incident | undefined>;
}
