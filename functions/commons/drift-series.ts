/**
 * Where GET /views/{view}/drift reads the monitor's per-feature figures: CloudWatch in AWS
 * (created once per container), or what the local runtime sets (its alarm evaluator, which reads
 * the same EMF documents CloudWatch would; local/monitoring.ts).
 */
import { config } from '../../contract/config';
import type { DriftSeriesSource } from '../../core/ports/drift-series';
import { cloudWatchClient } from '../../store/clients';
import { CloudWatchDriftSeries } from '../../store/cloudwatch-drift-series';

let source: DriftSeriesSource | undefined;

export function getDriftSeriesSource(): DriftSeriesSource {
  return (source ??= new CloudWatchDriftSeries(cloudWatchClient(), config.serviceName()));
}

/** The local runtime's source; undefined restores CloudWatch. */
export function setDriftSeriesSource(next: DriftSeriesSource | undefined): void {
  source = next;
}
