/** Powertools, created once per container and shared by every entry point. */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { config } from '../../contract/config';

/** The tracer lives with the SDK clients it captures (store/ may not import functions/). */
export { tracer } from '../../store/tracer';

/**
 * The service this function runs as: its stack's (POWERTOOLS_SERVICE_NAME, contract/service.ts),
 * read once at cold start. It is the `service` of every log line and metric, and decides which
 * drift alarms are this stack's. Passed explicitly: Powertools lets a constructor option win
 * over the variable.
 */
export const SERVICE_NAME = config.serviceName();

export const logger = new Logger({ serviceName: SERVICE_NAME });
/**
 * The functions' own counts (AutoRollback, CandidatePromoted) and the cold-start metric of the
 * `logMetrics` middleware. Its diagnostics go to the logger at ERROR only: most invocations
 * count nothing (counts are single-metric documents, flushed as they happen), and Powertools
 * would warn "No application metrics to publish" on every one of them.
 */
export const metrics = new Metrics({ namespace: 'Rewind', serviceName: SERVICE_NAME, logger: logger.createChild({ logLevel: 'ERROR' }) });

/** One EMF count with the view as its dimension, flushed at once. */
export function countForView(view: string, name: string): void {
  const metric = metrics.singleMetric();
  metric.addDimension('view', view);
  metric.addMetric(name, 'Count', 1);
}

/** One EMF count with only the service as its dimension (what a stack-wide ops alarm watches), flushed at once. */
export function countForService(name: string): void {
  metrics.singleMetric().addMetric(name, 'Count', 1);
}

/** An EMF document exactly as CloudWatch would read it from the function's log. */
export type EmfDocument = ReturnType<Metrics['serializeMetrics']>;
export type EmfSink = (document: EmfDocument) => void;

const emfSinks = new Set<EmfSink>();

/**
 * Receive every EMF document published through {@link TappedMetrics} in this process. On
 * Lambda nobody registers one (CloudWatch reads stdout); the local runtime registers its
 * alarm evaluator here, so it sees the same documents CloudWatch would. Returns the unsubscribe.
 */
export function addEmfSink(sink: EmfSink): () => void {
  emfSinks.add(sink);
  return () => emfSinks.delete(sink);
}

/**
 * Powertools Metrics whose published documents are also handed to the registered sinks.
 * Publishing to stdout is unchanged (and still switched off by POWERTOOLS_METRICS_DISABLED).
 */
export class TappedMetrics extends Metrics {
  override publishStoredMetrics(): this {
    if (emfSinks.size > 0 && this.hasStoredMetrics()) {
      const document = this.serializeMetrics();
      for (const sink of emfSinks) {
        try {
          sink(document);
        } catch (error) {
          logger.warn('an EMF sink failed', { error: error as Error });
        }
      }
    }
    return super.publishStoredMetrics();
  }
}
