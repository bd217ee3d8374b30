/** GET /incidents/{id}: an incident as recorded (core/ports/incidents.ts), 404 when unknown. */
import { IncidentNotFoundError } from '../core/errors';
import { IncidentParamsSchema } from '../core/requests';
import { getDeps } from './commons/deps';
import { getIncidentLog } from './commons/incidents';
import { httpRoute } from './http/route';

export const handler = httpRoute({ handler: 'get-incident', deps: getDeps, params: IncidentParamsSchema }, async ({ params }) => {
  const incident = await getIncidentLog().get(params.id);
  if (!incident) throw new IncidentNotFoundError(params.id);
  return incident;
});
