/**
 * Drill reports (GET /drills, GET /drills/{id}): what was rehearsed, when, whether it passed,
 * how long detection and recovery took against the target, and how many requests were served
 * bad. One report's page draws its timeline and the load's latency from the JSON with uPlot
 * (the console's chart library), rather than embedding the API's ?format=html page: that page
 * needs the bearer token, which an iframe's URL cannot carry without putting it in the URL; the
 * console's look and the accessibility check then cover the report too; and the timeline is
 * also a list a screen reader reads.
 */
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { api, path } from '../api';
import { Loading, Section, seconds, useLoad, when } from '../components/common';
import type { DrillReport } from '../types';

/** MTTR against the target, in words. */
function recovery(r: Pick<DrillReport, 'measures' | 'targetMttrSeconds'>): { text: string; within: boolean | null } {
  const mttr = r.measures.mttrMs;
  if (mttr == null) return { text: `not recovered (target ${r.targetMttrSeconds} s)`, within: null };
  const within = mttr <= r.targetMttrSeconds * 1000;
  return { text: `${seconds(mttr)} (target ${r.targetMttrSeconds} s, ${within ? 'within' : 'over'})`, within };
}

const plus = (ms: number) => `+${(ms / 1000).toFixed(2)} s`;

export function DrillsPage() {
  const loaded = useLoad(() => api<{ drills: DrillReport[] }>('/drills?limit=100'), 'drills');
  return (
    <>
      <h1>Drills</h1>
      <p class="muted">
        Rehearsed faulty deployments, each in its own namespace of views, newest first. Run one with <code>npx rewind drill --scenario nulls</code>.
      </p>
      <Loading loaded={loaded}>
        {({ drills }) =>
          drills.length ? (
            <table data-testid="drills">
              <caption class="muted">{drills.length} drill reports</caption>
              <thead>
                <tr>
                  <th scope="col">Drill</th>
                  <th scope="col">Scenario</th>
                  <th scope="col">When</th>
                  <th scope="col">Outcome</th>
                  <th scope="col">Time to detect</th>
                  <th scope="col">Time to recover</th>
                  <th scope="col">Served bad</th>
                </tr>
              </thead>
              <tbody>
                {drills.map((d) => {
                  const r = recovery(d);
                  return (
                    <tr key={d.id} data-drill={d.id}>
                      <th scope="row">
                        <a href={`#/drills/${encodeURIComponent(d.id)}`} class="mono">
                          {d.id}
                        </a>
                      </th>
                      <td>
                        {d.scenario} <span class="muted">({d.mode})</span>
                      </td>
                      <td>{when(d.startedAt)}</td>
                      <td>
                        <span class={`badge ${d.outcome}`} data-testid="outcome">
                          {d.outcome}
                        </span>
                      </td>
                      <td>{seconds(d.measures.mttdMs)}</td>
                      <td class={r.within === false ? 'over' : undefined}>{r.text}</td>
                      <td>
                        {d.measures.servedBad} of {d.measures.requests.toLocaleString('en')}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          ) : (
            <p class="muted">No drill has been recorded yet.</p>
          )
        }
      </Loading>
    </>
  );
}

const MARK = '#555';

/** p50 and max latency per bucket (ms), served-bad responses per bucket, and the timeline's marks as vertical lines. */
function LatencyChart({ report }: { report: DrillReport }) {
  const target = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const b = report.latency;
    const marks = report.timeline;
    const plot = new uPlot(
      {
        width: Math.min(900, (target.current!.parentElement?.clientWidth ?? 900) - 8),
        height: 240,
        scales: { x: { time: false }, bad: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
        series: [
          { label: 's since start', value: (_u, v) => (v == null ? '—' : `${v.toFixed(1)} s`) },
          { label: 'p50 ms', stroke: '#12263a', width: 2 },
          { label: 'max ms', stroke: '#b35900', width: 1 },
          { label: 'served bad', stroke: '#a40000', fill: 'rgba(164,0,0,0.15)', scale: 'bad', paths: uPlot.paths.bars!({ size: [0.9, 40] }) },
        ],
        axes: [{ label: 'seconds since the drill started' }, { label: 'latency (ms)' }, { scale: 'bad', side: 1, label: 'bad responses', grid: { show: false } }],
        hooks: {
          draw: [
            (u) => {
              const ctx = u.ctx;
              ctx.save();
              ctx.strokeStyle = MARK;
              ctx.fillStyle = '#1a1a1a';
              ctx.setLineDash([4, 4]);
              ctx.font = `${Math.round(11 * devicePixelRatio)}px system-ui, sans-serif`;
              marks.forEach((m, i) => {
                const x = u.valToPos(m.t / 1000, 'x', true);
                ctx.beginPath();
                ctx.moveTo(x, u.bbox.top);
                ctx.lineTo(x, u.bbox.top + u.bbox.height);
                ctx.stroke();
                ctx.fillText(m.event, x + 3, u.bbox.top + (12 + (i % 4) * 13) * devicePixelRatio);
              });
              ctx.restore();
            },
          ],
        },
      },
      [b.map((x) => x.t / 1000), b.map((x) => x.p50), b.map((x) => x.max), b.map((x) => x.bad)] as uPlot.AlignedData,
      target.current!,
    );
    return () => plot.destroy();
  }, [report]);
  return <div ref={target} class="chart" role="img" aria-label={`Latency of drill ${report.id}'s load over time, with its timeline marked`} />;
}

export function DrillPage({ id }: { id: string }) {
  const loaded = useLoad(() => api<DrillReport>(path`/drills/${id}`), id);
  return (
    <>
      <p>
        <a href="#/drills">← Drills</a>
      </p>
      <h1>
        Drill <span class="mono">{id}</span>
      </h1>
      <Loading loaded={loaded}>
        {(r) => {
          const rec = recovery(r);
          const m = r.measures;
          return (
            <>
              <p data-testid="drill-summary">
                <span class={`badge ${r.outcome}`}>{r.outcome.toUpperCase()}</span> {r.scenario} ({r.mode}): {r.rows.toLocaleString('en')} rows, {r.rps} req/s against {r.target}, view{' '}
                <a href={`#/views/${encodeURIComponent(r.view)}`}>{r.view}</a>, {when(r.startedAt)} → {when(r.finishedAt)}.
              </p>
              <p>
                <strong>Fault:</strong> {r.fault}
              </p>
              <dl class="served" data-testid="drill-measures">
                <dt>Time to detect</dt>
                <dd>{seconds(m.mttdMs)}</dd>
                <dt>Time to recover</dt>
                <dd class={rec.within === false ? 'over' : undefined}>{rec.text}</dd>
                <dt>Requests served bad</dt>
                <dd>
                  {m.servedBad} of {m.requests.toLocaleString('en')}
                </dd>
                <dt>Load errors</dt>
                <dd>{m.loadErrors}</dd>
                <dt>Latency p50 / p99</dt>
                <dd>
                  {m.p50Ms} ms / {m.p99Ms} ms
                </dd>
                <dt>Verification</dt>
                <dd>
                  {r.verification.exact} of {r.verification.sampled} entities exact on v{r.verification.version ?? '?'}
                  {r.verification.runbook ? `; runbook: ${r.verification.runbook}` : ''}
                </dd>
                <dt>Cleanup</dt>
                <dd>
                  purged {r.cleanup.purged.map((v) => `v${v}`).join(', ') || 'nothing'}
                  {r.cleanup.kept.length ? `; kept ${r.cleanup.kept.map((v) => `v${v}`).join(', ')} (served)` : ''}
                  {r.cleanup.note ? ` (${r.cleanup.note})` : ''}
                </dd>
              </dl>
              {r.failures.length ? (
                <Section title="Failures" id="failures">
                  <ul class="error" data-testid="drill-failures">
                    {r.failures.map((f, i) => (
                      <li key={i}>{f}</li>
                    ))}
                  </ul>
                </Section>
              ) : null}
              <Section title="Timeline" id="drill-timeline">
                {r.timeline.length ? (
                  <ol class="timeline" data-testid="drill-timeline">
                    {r.timeline.map((t, i) => (
                      <li key={i} data-event={t.event} class={t.event}>
                        <time>{plus(t.t)}</time> <strong>{t.event}</strong>
                        {t.note ? <span class="reason"> {t.note}</span> : null}
                      </li>
                    ))}
                  </ol>
                ) : (
                  <p class="muted">No events were recorded.</p>
                )}
              </Section>
              <Section title="Latency" id="drill-latency">
                {r.latency.length ? (
                  <>
                    <figure>
                      <LatencyChart report={r} />
                      <figcaption class="muted">p50 (dark) and max (orange) latency of each bucket of requests, responses served bad (red bars), the timeline's events dashed.</figcaption>
                    </figure>
                    <details>
                      <summary>The figures</summary>
                      <table data-testid="drill-latency">
                        <thead>
                          <tr>
                            <th scope="col">From</th>
                            <th scope="col">Requests</th>
                            <th scope="col">p50 ms</th>
                            <th scope="col">max ms</th>
                            <th scope="col">Served bad</th>
                            <th scope="col">Errors</th>
                          </tr>
                        </thead>
                        <tbody>
                          {r.latency.map((b) => (
                            <tr key={b.t}>
                              <th scope="row">{plus(b.t)}</th>
                              <td>{b.n}</td>
                              <td>{b.p50}</td>
                              <td>{b.max}</td>
                              <td>{b.bad}</td>
                              <td>{b.errors}</td>
                            </tr>
                          ))}
                        </tbody>
                      </table>
                    </details>
                  </>
                ) : (
                  <p class="muted">No load was measured.</p>
                )}
              </Section>
            </>
          );
        }}
      </Loading>
    </>
  );
}
