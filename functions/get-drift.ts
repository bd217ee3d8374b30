import { config } from '../contract/config';
import { driftReport } from '../core/drift-report';
import { DriftQuerySchema, ViewParamsSchema } from '../core/requests';
import { getDeps } from './commons/deps';
import { getDriftSeriesSource } from './commons/drift-series';
import { httpRoute } from './http/route';

export const handler = httpRoute({ handler: 'get-drift', deps: getDeps, params: ViewParamsSchema, query: DriftQuerySchema }, ({ deps, params, query }) =>
  driftReport(deps, getDriftSeriesSource(), params.view, query, deps.clock.now(), config.alarmPeriodSeconds()),
);
