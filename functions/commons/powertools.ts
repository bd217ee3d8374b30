/** Powertools, created once per container and shared by every entry point. */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

export const logger = new Logger({ serviceName: 'rewind' });
export const metrics = new Metrics({ namespace: 'Rewind', serviceName: 'rewind' });

/** One EMF count with the view as its dimension, flushed at once. */
export function countForView(view: string, name: string): void {
  const metric = metrics.singleMetric();
  metric.addDimension('view', view);
  metric.addMetric(name, 'Count', 1);
}
