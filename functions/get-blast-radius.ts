import { blastRadius, blastRadiusMarkdown, type BlastRadius } from '../core/blast-radius';
import { ReportFormatQuerySchema, VersionParamsSchema } from '../core/requests';
import { getDeps } from './commons/deps';
import { getMeasurementLog } from './commons/measurements';
import { httpRoute } from './http/route';

export const handler = httpRoute(
  {
    handler: 'get-blast-radius',
    deps: getDeps,
    params: VersionParamsSchema,
    query: ReportFormatQuerySchema,
    render: (result, query) => (query.format === 'md' ? { contentType: 'text/markdown; charset=utf-8', body: blastRadiusMarkdown(result as BlastRadius) } : undefined),
  },
  ({ deps, params }) => blastRadius(deps, getMeasurementLog(), params.view, params.version, deps.clock.now()),
);
