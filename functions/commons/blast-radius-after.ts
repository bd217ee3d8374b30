/**
 * The blast radius attached to a rollback's answer (issue 12, item 7): the report of the
 * version rolled back from (core/blast-radius.ts), computed AFTER the pointer transaction has
 * committed, so it never delays the way back itself, and bounded in time, so it can never hold
 * up the answer: when it fails or takes longer than {@link BLAST_RADIUS_BUDGET_MS}, the answer
 * is still the rollback's 200, without `blastRadius` and with `blastRadiusUnavailable` saying
 * why; `blastRadiusUrl` always names the route that computes it again, unbounded.
 */
import { blastRadius, type BlastRadius } from '../../core/blast-radius';
import type { Deps } from '../../core/deps';
import { getMeasurementLog } from './measurements';

/**
 * The longest a rollback's answer waits for its blast radius: two rounds of reads (the view,
 * the record and the history together, then the monitor's measurements), ~20–40 ms on
 * DynamoDB Local. Beyond it the answer goes out without the report.
 */
export const BLAST_RADIUS_BUDGET_MS = 250;

export interface AttachedBlastRadius {
  blastRadiusUrl?: string;
  blastRadius?: BlastRadius;
  blastRadiusUnavailable?: string;
}

export function blastRadiusUrl(view: string, version: number): string {
  return `/views/${encodeURIComponent(view)}/versions/${version}/blast-radius`;
}

/** The report of `version` of `view`, or why there is none, within `budgetMs`; never throws. */
export async function blastRadiusWithin(deps: Pick<Deps, 'pointers' | 'catalog' | 'clock'>, view: string, version: number, budgetMs = BLAST_RADIUS_BUDGET_MS): Promise<AttachedBlastRadius> {
  const url = blastRadiusUrl(view, version);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<AttachedBlastRadius>((resolve) => {
    timer = setTimeout(() => resolve({ blastRadiusUrl: url, blastRadiusUnavailable: `not computed within ${budgetMs} ms: GET ${url}` }), budgetMs);
  });
  const report = blastRadius(deps, getMeasurementLog(), view, version, deps.clock.now()).then(
    (radius): AttachedBlastRadius => ({ blastRadiusUrl: url, blastRadius: radius }),
    (error: unknown): AttachedBlastRadius => ({ blastRadiusUrl: url, blastRadiusUnavailable: `could not be computed (${(error as Error).message}): GET ${url}` }),
  );
  try {
    return await Promise.race([report, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** What a rollback's answer gets: the blast radius of the version it left, when it changed anything. */
export async function rollbackBlastRadius(deps: Pick<Deps, 'pointers' | 'catalog' | 'clock'>, view: string, result: { changed: boolean; fromVersion: number | null }): Promise<AttachedBlastRadius> {
  if (!result.changed || result.fromVersion === null) return {};
  return blastRadiusWithin(deps, view, result.fromVersion);
}
