import { checklistMarkdown, type Checklist } from '../core/runbook';
import { ReportFormatQuerySchema, ViewParamsSchema } from '../core/requests';
import { viewRunbook } from '../core/runbook-view';
import { getDeps } from './commons/deps';
import { getFollowUpLog } from './commons/follow-ups';
import { httpRoute } from './http/route';

export const handler = httpRoute(
  {
    handler: 'get-runbook',
    deps: getDeps,
    params: ViewParamsSchema,
    query: ReportFormatQuerySchema,
    render: (result, query) => (query.format === 'md' ? { contentType: 'text/markdown; charset=utf-8', body: checklistMarkdown(result as Checklist) } : undefined),
  },
  ({ deps, params }) => viewRunbook(deps, getFollowUpLog(), params.view),
);
