/**
 * The drift monitor publishes under the service it runs as (POWERTOOLS_SERVICE_NAME), so a
 * dev stack's drift feeds the dev stack's alarms and never the default stack's alarm about a
 * view of the same name. The real handler, its measurement stubbed; the EMF it prints is
 * evaluated by the local CloudWatch against both stacks' alarm specs.
 */
import type { Context } from 'aws-lambda';
import { driftAlarmsForView } from '../../contract/alarms';
import type { DriftMeasurement } from '../../core/drift';
import { resolvePolicy } from '../../core/validation/tolerances';
import { LocalAlarmEvaluator } from '../../local/alarm-evaluator';
import { lambdaContext } from '../../local/gateway';

const DEV = 'rewind-rewinddev';
const monitor = { ...resolvePolicy().monitor, evaluationPeriods: 1, datapointsToAlarm: 1 };
const drifted: DriftMeasurement = {
  view: 'v',
  version: 2,
  role: 'stable',
  baselineVersion: 1,
  window: { fromMs: Date.now() - 1000, toMs: Date.now(), from: new Date(Date.now() - 1000).toISOString(), to: new Date().toISOString() },
  samples: 500,
  served: 500,
  unknown: 0,
  unknownShare: 0,
  features: {},
  max: { psi: 0.9 },
  corrected: { psi: 0.9 },
  maxNullRate: 0,
  monitor,
};

/** Runs the drift monitor once as `service`, and returns the EMF documents it published. */
async function publishedAs(service: string): Promise<Record<string, unknown>[]> {
  const saved = { service: process.env.POWERTOOLS_SERVICE_NAME, disabled: process.env.POWERTOOLS_METRICS_DISABLED };
  const documents: Record<string, unknown>[] = [];
  try {
    process.env.POWERTOOLS_SERVICE_NAME = service;
    process.env.POWERTOOLS_METRICS_DISABLED = 'true'; // the sink still sees every document
    await jest.isolateModulesAsync(async () => {
      jest.doMock('../../core/drift', () => ({
        measureDrift: async (_deps: unknown, _samples: unknown, options: { onMeasured: (r: unknown) => Promise<void> }) => {
          await options.onMeasured({ view: 'v', measured: [drifted], skipped: [] });
          return { measured: [drifted], skipped: [] };
        },
      }));
      jest.doMock('../../functions/commons/deps', () => ({ getDeps: () => ({}) }));
      jest.doMock('../../functions/commons/serving', () => ({ getSampleStore: () => ({}) }));
      const { addEmfSink, logger } = await import('../../functions/commons/powertools');
      logger.setLogLevel('SILENT');
      const remove = addEmfSink((document) => documents.push(document as unknown as Record<string, unknown>));
      const { handler } = await import('../../functions/drift-monitor');
      await (handler as unknown as (event: unknown, context: Context) => Promise<unknown>)({}, lambdaContext({ handler: 'drift-monitor' }));
      remove();
    });
  } finally {
    for (const [name, value] of [['POWERTOOLS_SERVICE_NAME', saved.service], ['POWERTOOLS_METRICS_DISABLED', saved.disabled]] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
  return documents;
}

/** The state each alarm reaches on those documents, one 1 s period after they were published. */
async function statesOn(documents: Record<string, unknown>[], specs: ReturnType<typeof driftAlarmsForView>): Promise<Record<string, string>> {
  // The drift datapoints are stamped with their window's start (the ops metrics with now).
  const at = Math.max(...documents.filter((d) => 'FeatureDrift' in d).map((d) => (d._aws as { Timestamp: number }).Timestamp));
  const evaluator = new LocalAlarmEvaluator({ definitions: async () => specs, publish: () => undefined, now: () => at + 1000 });
  for (const document of documents) evaluator.ingest(document);
  await evaluator.tick();
  return Object.fromEntries(specs.map((s) => [s.alarmName, evaluator.stateOf(s.alarmName)]));
}

describe('functions/drift-monitor publishes per service', () => {
  const prodSpecs = driftAlarmsForView('v', monitor, { periodSeconds: 1 });
  const devSpecs = driftAlarmsForView('v', monitor, { service: DEV, periodSeconds: 1 });

  it('in a second stack, feeds that stack\'s drift alarm and not the default stack\'s', async () => {
    const documents = await publishedAs(DEV);
    expect(documents.length).toBeGreaterThan(0);
    expect(new Set(documents.map((d) => d.service))).toEqual(new Set([DEV]));
    expect(await statesOn(documents, devSpecs)).toMatchObject({ [`${DEV}-drift-v-psi`]: 'ALARM' });
    expect(await statesOn(documents, prodSpecs)).toMatchObject({ 'rewind-drift-v-psi': 'OK' });
  });

  it('in the default stack, feeds the default stack\'s alarm as before', async () => {
    const documents = await publishedAs('rewind');
    expect(new Set(documents.map((d) => d.service))).toEqual(new Set(['rewind']));
    expect(await statesOn(documents, prodSpecs)).toMatchObject({ 'rewind-drift-v-psi': 'ALARM' });
    expect(await statesOn(documents, devSpecs)).toMatchObject({ [`${DEV}-drift-v-psi`]: 'OK' });
  });
});
