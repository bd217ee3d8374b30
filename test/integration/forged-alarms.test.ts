/**
 * Issue 15 item 4: only this stack's real alarms roll back. Each forged event below names a
 * view that serves v2 over a good v1 and would be rolled back by a real drift alarm; the
 * handler must log it at WARN with why, answer `ignored`, and write nothing (no pointer,
 * history, audit or idempotency record).
 */
import type { Context } from 'aws-lambda';
import { lambdaContext } from '../../local/gateway';
import { startTestRewind, type Caller, type TestRewind } from '../support/rewind';
import { alarmEvent } from '../support/alarm-events';

let rewind: TestRewind;
let deployer: Caller;
let handler: (event: unknown, context: Context) => Promise<any>;
let view: string;
const context = () => lambdaContext({ handler: 'alarm-rollback' });
const definition = { entity: 'id', features: [{ name: 'x', type: 'float' }] };
const rows = (n: number, shift = 0) => Array.from({ length: n }, (_, i) => ({ id: `e${i}`, x: i + shift }));
const later = () => new Date(Date.now() + 1000).toISOString();

type AlarmEvent = ReturnType<typeof alarmEvent>;
function forge(change: (event: AlarmEvent) => void, name = `rewind-drift-${view}-psi`): AlarmEvent {
  const event = alarmEvent(name, { view, at: later() });
  change(event);
  return event;
}
const metric = (event: AlarmEvent) => event.detail.configuration.metrics[0]!.metricStat.metric as { namespace?: string; dimensions: Record<string, string> };

beforeAll(async () => {
  rewind = await startTestRewind('forged');
  deployer = await rewind.as('dev', ['deployer']);
  ({ handler } = (await import('../../functions/alarm-rollback')) as never);
  view = rewind.view('target');
  await deployer.post(`/views/${view}/versions`, { definition, rows: rows(5), activate: true });
  await deployer.post(`/views/${view}/versions`, { definition, rows: rows(5, 1), activate: true });
});
afterAll(() => rewind.stop());

const forged: [string, () => AlarmEvent, RegExp][] = [
  ['a metric with no service dimension', () => forge((e) => delete metric(e).dimensions.service), /no service dimension/],
  ['another service', () => forge((e) => (metric(e).dimensions.service = 'rewind-rewinddev')), /service is rewind-rewinddev, not this stack's rewind/],
  ['another namespace', () => forge((e) => (metric(e).namespace = 'Custom/Anyone')), /namespace is 'Custom\/Anyone', not 'Rewind'/],
  ['no namespace (metric math)', () => forge((e) => delete metric(e).namespace), /namespace is '', not 'Rewind'/],
  ['another account', () => forge((e) => (e.account = '210987654321')), /account 210987654321, not this stack's 000000000000/],
  ['a lookalike name outside the drift prefix', () => forge(() => undefined, `rewind-driftx-${'target'}-psi`), /neither a drift alarm/],
  ['a drift alarm name of another view', () => forge(() => undefined, `rewind-drift-someone-else-psi`), /not one of view .*'s drift alarms/],
  ["an alarm that is not Rewind's at all", () => forge(() => undefined, `rewind-my-own-alarm`), /neither a drift alarm/],
];

describe('forged alarm events are ignored, writing nothing', () => {
  it.each(forged)('%s', async (_name, event, why) => {
    const before = await rewind.dump();
    expect(await handler(event(), context())).toEqual({ ignored: expect.stringMatching(why) });
    expect(await rewind.dump()).toEqual(before);
  });

  // The control: the same event, unforged, rolls back (so each case above failed for its own reason).
  it('the genuine drift alarm rolls the view back', async () => {
    const result = await handler(alarmEvent(`rewind-drift-${view}-psi`, { view, at: later() }), context());
    expect(result.outcomes).toEqual([expect.objectContaining({ view, action: 'rolled-back', fromVersion: 2, toVersion: 1 })]);
  });
});
