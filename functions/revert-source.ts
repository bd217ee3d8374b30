/**
 * POST /sources/revert: every view served from a bad source rolled back, one incident
 * (core/source-revert.ts). Judged twice: at the edge, `rollback` at the standard tier (a caller
 * who may not roll back at all is refused, audited, before anything is read or written), then
 * per view by the rollback use case at that view's tier (MFA, approvals, break-glass): a view
 * refused is reported (and audited) without stopping the others. Each reverted view carries the blast radius of the
 * version it left, computed after its commit and bounded in time.
 */
import { SourceRevertRequestSchema } from '../core/requests';
import { revertSource } from '../core/source-revert';
import { withArtifacts } from './commons/artifacts';
import { blastRadiusWithin } from './commons/blast-radius-after';
import { getDeps } from './commons/deps';
import { getIncidentLog } from './commons/incidents';
import { httpRoute } from './http/route';

export const handler = httpRoute(
  {
    handler: 'revert-source',
    deps: getDeps,
    body: SourceRevertRequestSchema,
    // A recorded incident is created (201); a dry run only reads (200).
    status: (result) => ((result as { dryRun: boolean }).dryRun ? 200 : 201),
    headers: (result): Record<string, string> => {
      const id = (result as { id: string | null }).id;
      return id ? { location: `/incidents/${id}` } : {};
    },
  },
  async ({ deps, caller, body }) => {
    const withRefresh = withArtifacts(deps);
    return revertSource(withRefresh, getIncidentLog(), caller, body, {
      blastRadius: async (view, version) => {
        const attached = await blastRadiusWithin(deps, view, version);
        return attached.blastRadius ?? { url: attached.blastRadiusUrl, unavailable: attached.blastRadiusUnavailable };
      },
    });
  },
);
