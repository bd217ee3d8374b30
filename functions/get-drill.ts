/** GET /drills/{id}: one report; ?format=md (Markdown) or ?format=html (a self-contained page with the SVG timeline). */
import { DrillFormatQuerySchema, DrillParamsSchema, getDrill } from '../core/drills/records';
import { drillHtml, drillMarkdown, type DrillReport } from '../core/drills/report';
import { getDeps } from './commons/deps';
import { getDrillStore } from './commons/drills';
import { httpRoute } from './http/route';

export const handler = httpRoute(
  {
    handler: 'get-drill',
    deps: getDeps,
    params: DrillParamsSchema,
    query: DrillFormatQuerySchema,
    render: (result, query) =>
      query.format === 'md'
        ? { contentType: 'text/markdown; charset=utf-8', body: drillMarkdown(result as DrillReport) }
        : query.format === 'html'
          ? { contentType: 'text/html; charset=utf-8', body: drillHtml(result as DrillReport) }
          : undefined,
  },
  ({ params }) => getDrill(getDrillStore(), params.id),
);
