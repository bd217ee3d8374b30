/**
 * The monitor's measurement records against DynamoDB Local (store/dynamo-measurements.ts): a
 * candidate's comparison with stable (CandidateVsStable) and its drift against the baseline
 * (FeatureDrift) of the same window and statistic are two records, each read back as what it
 * is, so the re-check before a rollback backs each alarm with its own metric only.
 */
import { backingMeasurement } from '../../core/measurements';
import type { DriftMeasurement } from '../../core/drift';
import { recordsOf } from '../../functions/drift-monitor';
import { createDocumentClient } from '../../store/clients';
import { DynamoMeasurementLog } from '../../store/dynamo-measurements';
import { startLocalTestRewind } from '../support/rewind';

let rewind: Awaited<ReturnType<typeof startLocalTestRewind>>;
beforeAll(async () => {
  rewind = await startLocalTestRewind('measurements');
});
afterAll(() => rewind.stop());

it('keeps a candidate\'s CandidateVsStable and FeatureDrift figures of one window apart, and backs each alarm with its own', async () => {
  const window = { from: '2026-11-25T12:00:00.000Z', to: '2026-11-25T12:01:00.000Z' };
  const measurement = { view: 'v', version: 3, window, samples: 400, corrected: { psi: 0.05, js: 0.01 }, vsStable: { psi: 0.6 } } as unknown as DriftMeasurement;
  const records = recordsOf(measurement);
  expect(records.map((r) => [r.metric ?? 'FeatureDrift', r.statistic, r.value])).toEqual([
    ['FeatureDrift', 'psi', 0.05],
    ['CandidateVsStable', 'psi', 0.6],
    ['FeatureDrift', 'js', 0.01],
  ]);
  const log = new DynamoMeasurementLog(createDocumentClient(), rewind.env.REWIND_SAMPLES_TABLE!);
  await log.record(records);
  const read = await log.between('v', 3, '2026-11-25T11:59:00.000Z', '2026-11-25T12:00:00.000Z');
  expect(read.sort((a, b) => `${a.statistic}${a.metric}`.localeCompare(`${b.statistic}${b.metric}`))).toEqual(
    [...records].sort((a, b) => `${a.statistic}${a.metric}`.localeCompare(`${b.statistic}${b.metric}`)),
  );
  expect(backingMeasurement(read, { statistic: 'psi', threshold: 0.25, metric: 'CandidateVsStable' })).toMatchObject({ value: 0.6 });
  expect(backingMeasurement(read, { statistic: 'psi', threshold: 0.25 })).toBeUndefined();
});
