import { assertInNamespace, drillView, faultFor, drillMonitor, knownGoodRows, MAX_DRILL_ROWS, MAX_DRILL_RPS, newDrillId, parseDrillOptions, SCENARIOS } from '../../core/drills/scenarios';
import { measure, latencyBuckets, drillHtml, drillMarkdown, type DrillReport } from '../../core/drills/report';

describe('drill options: bad input names the field and the bound', () => {
  it.each([
    [{ scenario: 'flood' }, 'scenario', /must be one of drift, nulls, schema-break, corrupt-snapshot, bad-source/],
    [{ scenario: 'drift', rows: -5 }, 'rows', /at least 50/],
    [{ scenario: 'drift', rows: MAX_DRILL_ROWS + 1 }, 'rows', /at most 1,000,000/],
    [{ scenario: 'drift', rps: 0 }, 'rps', /at least 1/],
    [{ scenario: 'drift', rps: MAX_DRILL_RPS * 10 }, 'rps', /at most 1000/],
    [{ scenario: 'drift', mode: 'yolo' }, 'mode', /auto or manual/],
    [{ scenario: 'drift', rows: 10.5 }, 'rows', /whole number/],
  ])('%j → %s', (input, field, message) => {
    const parsed = parseDrillOptions(input);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.field).toBe(field);
      expect(parsed.message).toMatch(message);
    }
  });
  it('defaults', () => expect(parseDrillOptions({ scenario: 'nulls' })).toEqual({ ok: true, options: { scenario: 'nulls', rows: 1000, rps: 20, targetMttrSeconds: 30, mode: 'auto', timeoutSeconds: 120, periodSeconds: 10 } }));
});

describe('the namespace', () => {
  const id = newDrillId(new Date('2026-12-02T03:04:05Z'), () => 0.5);
  it('ids sort by start', () => expect(id).toBe('d20261202030405-8000'));
  it('lets a drill address its own views, its reports and reads of lists', () => {
    for (const [m, p] of [['POST', `/views/${drillView(id, 'drift')}/versions`], ['GET', `/online/${drillView(id, 'nulls')}/e1`], ['POST', '/drills'], ['GET', '/jobs/x'], ['GET', '/audit?view=x']])
      expect(() => assertInNamespace(id, m!, p!)).not.toThrow();
  });
  it.each([
    ['POST', '/views/orders/rollback'],
    ['GET', '/online/orders/e1'],
    ['POST', `/views/${drillView('d20261202030405-0000', 'drift')}/rollback`],
    ['POST', '/policy'],
    ['DELETE', `/views/drill-${id}/versions/1/online`],
  ])('refuses %s %s', (m, p) => expect(() => assertInNamespace(id, m, p)).toThrow(/only addresses views named drill-d20261202030405-8000-/));
});

describe('faults', () => {
  const good = knownGoodRows(100);
  it.each(SCENARIOS)('%s differs from the known-good version', (scenario) => {
    const fault = faultFor(scenario, good, drillMonitor({ periodSeconds: 1, rps: 20 }));
    expect(JSON.stringify(fault.body.rows)).not.toEqual(JSON.stringify(good));
  });
});

describe('measures', () => {
  const marks = [{ event: 'fault' as const, t: 1000 }, { event: 'detected' as const, t: 2500 }, { event: 'rollback' as const, t: 2500 }];
  it('time to recover runs to the last bad response when it is after the rollback (a stale pointer cache)', () => {
    const m = measure([{ t: 900, ms: 2, status: 200, good: true }, { t: 1100, ms: 3, status: 200, good: false }, { t: 2900, ms: 100, status: 200, good: false }, { t: 3100, ms: 2, status: 503 }], marks);
    expect(m).toMatchObject({ mttdMs: 1500, mttrMs: 2000, servedBad: 2, loadErrors: 1, requests: 4 });
  });
  it('buckets latency and counts bad responses', () => {
    const b = latencyBuckets([{ t: 0, ms: 2, status: 200, good: true }, { t: 50, ms: 4, status: 200, good: false }, { t: 250, ms: 8, status: 200, good: true }]);
    expect(b).toEqual([{ t: 0, n: 2, p50: 4, max: 4, bad: 1, errors: 0 }, { t: 200, n: 1, p50: 8, max: 8, bad: 0, errors: 0 }]);
  });
  it('renders Markdown and a self-contained HTML page with an SVG', () => {
    const report = { id: 'd20261202030405-8000', scenario: 'drift', mode: 'auto', rows: 200, rps: 20, view: 'drill-x', target: 'http://127.0.0.1', startedAt: 'a', finishedAt: 'b', targetMttrSeconds: 3, outcome: 'failed', failures: ['<late>'], fault: 'x', measures: measure([], marks), verification: { sampled: 20, exact: 20, version: 1 }, timeline: marks, latency: [], cleanup: { purged: [2], kept: [1] } } as DrillReport;
    expect(drillMarkdown(report)).toMatch(/\| time to detect \| 1.50 s \|/);
    const html = drillHtml(report);
    expect(html).toMatch(/<svg[^>]+role="img"/);
    expect(html).toContain('&lt;late&gt;');
    expect(html).not.toMatch(/<script|<link|\ssrc=/);
  });
});
