import type { DriftReport } from '../types';

/** One badge a feature: ok, drifting, unmeasured, disabled; with the latest figure against its threshold. */
export function DriftBadges({ report }: { report: DriftReport }) {
  if (report.features.length === 0) return <span class="muted">nothing served</span>;
  return (
    <ul class="badges">
      {report.features.map((f) => {
        const worst = [...f.latest].sort((a, b) => b.value / b.threshold - a.value / a.threshold)[0];
        return (
          <li key={f.feature} class={`badge ${f.status}`} title={worst ? `${worst.statistic} ${worst.value.toFixed(3)} (alarm above ${worst.threshold}) at ${worst.at}` : f.status}>
            {f.feature}: {f.status}
          </li>
        );
      })}
    </ul>
  );
}
