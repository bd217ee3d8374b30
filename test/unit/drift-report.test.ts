/**
 * GET /views/{view}/drift's use case over the in-memory adapters, and its two sources: the
 * local alarm evaluator (fed the EMF documents the drift monitor prints) and CloudWatch's
 * GetMetricData (a fake client: no emulator answers GetMetricData).
 */
import { METRIC, METRICS_NAMESPACE } from '../../contract/alarms';
import { deployVersion } from '../../core/deploy';
import { driftReport, NO_DRIFT_SERIES } from '../../core/drift-report';
import { ValidationError } from '../../core/errors';
import { activateVersion, setFeatureDisabled } from '../../core/pointer-changes';
import type { DriftSeriesQuery, DriftSeriesSource } from '../../core/ports/drift-series';
import { DeployRequestSchema, parse } from '../../core/requests';
import { LocalAlarmEvaluator } from '../../local/alarm-evaluator';
import { CloudWatchDriftSeries, type CloudWatchMetricDataApi } from '../../store/cloudwatch-drift-series';
import { deployBody } from '../support/fixtures';
import { memoryDeps } from '../support/memory';

const NOW = new Date('2026-11-25T12:00:00Z');
const request = (seed: number, extra = {}) => parse(DeployRequestSchema, deployBody(seed, 5, extra), 'body');

/** An EMF document as the drift monitor prints one per-feature figure. */
function emf(version: number, feature: string, statistic: string, value: number, at: number) {
  return {
    _aws: { Timestamp: at, CloudWatchMetrics: [{ Namespace: METRICS_NAMESPACE, Dimensions: [['service', 'view', 'version', 'feature', 'statistic']], Metrics: [{ Name: METRIC.featureDrift }] }] },
    service: 'rewind',
    view: 'profile',
    version: String(version),
    feature,
    statistic,
    [METRIC.featureDrift]: value,
  };
}

async function servedTwoVersions() {
  const deps = memoryDeps(() => NOW);
  await deployVersion(deps, 'dev', 'profile', request(1, { activate: true }));
  await deployVersion(deps, 'dev', 'profile', request(2));
  await activateVersion(deps, 'dev', 'profile', { version: 2, strategy: 'canary', percent: 10 });
  return deps;
}

describe('driftReport', () => {
  it("reports each feature of the served versions, drifting when a latest figure is above its version's threshold", async () => {
    const deps = await servedTwoVersions();
    const evaluator = new LocalAlarmEvaluator({ definitions: async () => [], publish: () => undefined });
    const t0 = NOW.getTime() - 10 * 60_000;
    evaluator.ingest(emf(1, 'age', 'psi', 0.01, t0));
    evaluator.ingest(emf(1, 'age', 'psi', 0.02, t0 + 60_000));
    evaluator.ingest(emf(2, 'country', 'psi', 0.9, t0 + 60_000)); // above the default 0.25
    evaluator.ingest(emf(2, 'country', 'psi', 0.4, t0 + 61_000)); // same period: its Maximum stays 0.9
    evaluator.ingest(emf(3, 'age', 'psi', 5, t0)); // a version not served: not asked for
    const report = await driftReport(deps, evaluator, 'profile', {}, NOW);

    expect(report).toMatchObject({ view: 'profile', source: 'local', periodSeconds: 60, to: NOW.toISOString(), from: new Date(NOW.getTime() - 3 * 3600_000).toISOString() });
    expect(report.versions).toEqual([
      { version: 1, role: 'stable' },
      { version: 2, role: 'candidate' },
    ]);
    const byFeature = Object.fromEntries(report.features.map((f) => [f.feature, f]));
    expect(Object.keys(byFeature)).toEqual(['age', 'country', 'avg_basket', 'is_premium']);
    expect(byFeature.age!.status).toBe('ok');
    expect(byFeature.age!.series).toEqual([{ version: 1, feature: 'age', statistic: 'psi', points: [{ at: new Date(t0).toISOString(), value: 0.01 }, { at: new Date(t0 + 60_000).toISOString(), value: 0.02 }] }]);
    expect(byFeature.country!.status).toBe('drifting');
    expect(byFeature.country!.latest).toEqual([{ version: 2, statistic: 'psi', value: 0.9, threshold: 0.25, at: new Date(t0 + 60_000).toISOString() }]);
    expect(byFeature.avg_basket!.status).toBe('unmeasured');
  });

  it('says disabled for a switched-off feature, and unmeasured everywhere when nothing keeps figures', async () => {
    const deps = await servedTwoVersions();
    await setFeatureDisabled(deps, 'dev', 'profile', 'country', true, { reason: 'bad codes' });
    const report = await driftReport(deps, NO_DRIFT_SERIES, 'profile', {}, NOW);
    expect(report.source).toBe('none');
    expect(report.features.map((f) => [f.feature, f.status])).toEqual([
      ['age', 'unmeasured'],
      ['country', 'disabled'],
      ['avg_basket', 'unmeasured'],
      ['is_premium', 'unmeasured'],
    ]);
  });

  it('asks the source for exactly the window, versions, features and statistics it reports', async () => {
    const deps = await servedTwoVersions();
    const asked: DriftSeriesQuery[] = [];
    const source: DriftSeriesSource = { name: 'cloudwatch', series: async (q) => (asked.push(q), []) };
    await driftReport(deps, source, 'profile', { since: '2026-11-25T10:00:00Z', until: '2026-11-25T11:00:00Z' }, NOW);
    expect(asked).toEqual([
      {
        view: 'profile',
        versions: [1, 2],
        features: ['age', 'country', 'avg_basket', 'is_premium'],
        statistics: ['psi', 'ks', 'js', 'nullRateIncrease'],
        from: new Date('2026-11-25T10:00:00Z'),
        to: new Date('2026-11-25T11:00:00Z'),
        periodSeconds: 60,
      },
    ]);
  });

  it('refuses a window that ends before it starts or spans more than a day, naming query.since', async () => {
    const deps = await servedTwoVersions();
    await expect(driftReport(deps, NO_DRIFT_SERIES, 'profile', { since: '2026-11-25T12:00:00Z', until: '2026-11-25T11:00:00Z' }, NOW)).rejects.toMatchObject({ field: 'query.since' });
    await expect(driftReport(deps, NO_DRIFT_SERIES, 'profile', { since: '2026-11-20T12:00:00Z' }, NOW)).rejects.toThrow(ValidationError);
    await expect(driftReport(deps, NO_DRIFT_SERIES, 'nope', {}, NOW)).rejects.toMatchObject({ code: 'ViewNotFound' });
  });
});

describe('CloudWatchDriftSeries (a fake GetMetricData client: no emulator serves CloudWatch metrics)', () => {
  it('asks for the Maximum of FeatureDrift per (version, feature, statistic) with the monitor\'s dimensions, and maps answers back by query id, across pages', async () => {
    const calls: Parameters<CloudWatchMetricDataApi['getMetricData']>[0][] = [];
    const api: CloudWatchMetricDataApi = {
      getMetricData: async (input) => {
        calls.push(input);
        if (!input.NextToken) return { MetricDataResults: [{ Id: 'q1', Timestamps: [new Date('2026-11-25T11:01:00Z')], Values: [0.3] }], NextToken: 'more' };
        return { MetricDataResults: [{ Id: 'q1', Timestamps: [new Date('2026-11-25T11:00:00Z')], Values: [0.1] }, { Id: 'q0', Timestamps: [], Values: [] }] };
      },
    };
    const series = await new CloudWatchDriftSeries(api, 'rewind').series({
      view: 'profile',
      versions: [3],
      features: ['age'],
      statistics: ['psi', 'ks'],
      from: new Date('2026-11-25T11:00:00Z'),
      to: new Date('2026-11-25T12:00:00Z'),
      periodSeconds: 60,
    });
    expect(series).toEqual([{ version: 3, feature: 'age', statistic: 'ks', points: [{ at: '2026-11-25T11:00:00.000Z', value: 0.1 }, { at: '2026-11-25T11:01:00.000Z', value: 0.3 }] }]);
    expect(calls).toHaveLength(2);
    expect(calls[1]!.NextToken).toBe('more');
    expect(calls[0]!.MetricDataQueries[1]).toEqual({
      Id: 'q1',
      MetricStat: {
        Metric: {
          Namespace: 'Rewind',
          MetricName: 'FeatureDrift',
          Dimensions: [
            { Name: 'service', Value: 'rewind' },
            { Name: 'view', Value: 'profile' },
            { Name: 'version', Value: '3' },
            { Name: 'feature', Value: 'age' },
            { Name: 'statistic', Value: 'ks' },
          ],
        },
        Period: 60,
        Stat: 'Maximum',
      },
      ReturnData: true,
    });
  });

  it('splits more than 500 series into calls of at most 500 queries', async () => {
    const sizes: number[] = [];
    const api: CloudWatchMetricDataApi = { getMetricData: async (input) => (sizes.push(input.MetricDataQueries.length), {}) };
    const features = Array.from({ length: 130 }, (_, i) => `f${i}`);
    await new CloudWatchDriftSeries(api, 'rewind').series({ view: 'v', versions: [1], features, statistics: ['psi', 'ks', 'js', 'nullRateIncrease'], from: NOW, to: new Date(NOW.getTime() + 1), periodSeconds: 60 });
    expect(sizes).toEqual([500, 20]);
  });
});
