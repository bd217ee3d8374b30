/**
 * Drift per feature over time: one uPlot chart a feature, a line per (served version,
 * statistic), the monitor's noise-corrected figure per period. The latest figures and their
 * thresholds are also written out as text, for readers who cannot see the chart.
 */
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { DriftReport, FeatureDriftReport } from '../types';
import { when } from './common';

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22'];

function Chart({ feature }: { feature: FeatureDriftReport }) {
  const target = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const times = [...new Set(feature.series.flatMap((s) => s.points.map((p) => Date.parse(p.at) / 1000)))].sort((a, b) => a - b);
    const columns = feature.series.map((s) => {
      const byTime = new Map(s.points.map((p) => [Date.parse(p.at) / 1000, p.value]));
      return times.map((t) => byTime.get(t) ?? null);
    });
    const plot = new uPlot(
      {
        width: Math.min(720, (target.current!.parentElement?.clientWidth ?? 720) - 8),
        height: 180,
        series: [{}, ...feature.series.map((s, i) => ({ label: `v${s.version} ${s.statistic}`, stroke: COLORS[i % COLORS.length], width: 2, spanGaps: false }))],
        axes: [{}, { label: 'above noise' }],
        scales: { x: { time: true } },
      },
      [times, ...columns] as uPlot.AlignedData,
      target.current!,
    );
    return () => plot.destroy();
  }, [feature]);
  return <div ref={target} class="chart" role="img" aria-label={`Drift of ${feature.feature} over time`} />;
}

export function DriftCharts({ report }: { report: DriftReport }) {
  if (report.features.length === 0) return <p class="muted">Nothing is served, so nothing is measured.</p>;
  return (
    <>
      <p class="muted">
        {when(report.from)} to {when(report.to)}, one point per {report.periodSeconds} s, from{' '}
        {report.source === 'none' ? 'nowhere: this runtime keeps no monitor figures (start it with REWIND_MONITORING=on)' : report.source}.
      </p>
      <div class="charts">
        {report.features.map((f) => (
          <figure key={f.feature} data-feature={f.feature}>
            <figcaption>
              <strong>{f.feature}</strong> <span class={`badge ${f.status}`}>{f.status}</span>{' '}
              {f.latest.map((l) => (
                <span key={`${l.version}${l.statistic}`} class="muted">
                  v{l.version} {l.statistic} {l.value.toFixed(3)} (alarm above {l.threshold}){' '}
                </span>
              ))}
            </figcaption>
            {f.series.length ? <Chart feature={f} /> : <p class="muted">No figures in this window.</p>}
          </figure>
        ))}
      </div>
    </>
  );
}
