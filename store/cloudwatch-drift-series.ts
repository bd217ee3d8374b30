/**
 * The DriftSeriesSource port (core/ports/drift-series.ts) over CloudWatch: one GetMetricData
 * query per (version, feature, statistic) of the `FeatureDrift` metric with its feature
 * dimension set (contract/alarms.ts DIMENSIONS.feature), Maximum per period, as the drift
 * monitor publishes it (functions/drift-monitor.ts). Each query's Id indexes the request, so
 * the answer maps back without parsing labels. At most 500 queries a call (CloudWatch's limit);
 * more are sent in further calls.
 *
 * The client is typed by the one call it needs, which the SDK's aggregated `CloudWatch` client
 * provides as it is.
 */
import { DIMENSIONS, METRIC, METRICS_NAMESPACE } from '../contract/alarms';
import type { DriftSeries, DriftSeriesQuery, DriftSeriesSource } from '../core/ports/drift-series';

export interface CloudWatchMetricDataApi {
  getMetricData(input: {
    MetricDataQueries: { Id: string; MetricStat: { Metric: { Namespace: string; MetricName: string; Dimensions: { Name: string; Value: string }[] }; Period: number; Stat: string }; ReturnData: boolean }[];
    StartTime: Date;
    EndTime: Date;
    ScanBy?: 'TimestampAscending' | 'TimestampDescending';
    NextToken?: string;
  }): Promise<{ MetricDataResults?: { Id?: string; Timestamps?: Date[]; Values?: number[] }[]; NextToken?: string }>;
}

const QUERIES_PER_CALL = 500;

export class CloudWatchDriftSeries implements DriftSeriesSource {
  readonly name = 'cloudwatch' as const;

  constructor(
    private readonly cloudWatch: CloudWatchMetricDataApi,
    private readonly service: string,
  ) {}

  async series(query: DriftSeriesQuery): Promise<DriftSeries[]> {
    const wanted: DriftSeries[] = query.versions.flatMap((version) =>
      query.features.flatMap((feature) => query.statistics.map((statistic) => ({ version, feature, statistic, points: [] }))),
    );
    for (let start = 0; start < wanted.length; start += QUERIES_PER_CALL) {
      const slice = wanted.slice(start, start + QUERIES_PER_CALL);
      const values = { service: this.service, view: query.view };
      let NextToken: string | undefined;
      do {
        const out = await this.cloudWatch.getMetricData({
          MetricDataQueries: slice.map((s, i) => ({
            Id: `q${start + i}`,
            MetricStat: {
              Metric: {
                Namespace: METRICS_NAMESPACE,
                MetricName: METRIC.featureDrift,
                Dimensions: DIMENSIONS.feature.map((Name) => ({ Name, Value: ({ ...values, version: String(s.version), feature: s.feature, statistic: s.statistic } as Record<string, string>)[Name]! })),
              },
              Period: query.periodSeconds,
              Stat: 'Maximum',
            },
            ReturnData: true,
          })),
          StartTime: query.from,
          EndTime: query.to,
          ScanBy: 'TimestampAscending',
          ...(NextToken ? { NextToken } : {}),
        });
        for (const result of out.MetricDataResults ?? []) {
          const target = wanted[Number(result.Id?.slice(1))];
          if (!target) continue;
          (result.Timestamps ?? []).forEach((t, i) => target.points.push({ at: new Date(t).toISOString(), value: result.Values![i]! }));
        }
        NextToken = out.NextToken;
      } while (NextToken);
    }
    for (const s of wanted) s.points.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
    return wanted.filter((s) => s.points.length > 0);
  }
}
