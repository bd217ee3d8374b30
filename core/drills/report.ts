/**
 * A drill's measures and its report (JSON, Markdown, a self-contained HTML page with an SVG
 * timeline and the load's latency over time). Pure: the runner hands in what it observed.
 */
import type { DrillOptions, Scenario } from './scenarios';

/** One request of the serving load. `t`: ms since the drill started. */
export interface LoadSample {
  t: number;
  ms: number;
  status: number;
  version?: number;
  /** Served exactly the known-good values (only meaningful on 200). */
  good?: boolean;
}

export type TimelineEvent = 'deploy' | 'activate' | 'fault' | 'first-bad' | 'detected' | 'rollback' | 'recovered' | 'verified' | 'refused';

export interface TimelineMark {
  event: TimelineEvent;
  t: number;
  note?: string;
}

export interface LatencyBucket {
  /** Bucket start, ms since the drill started. */
  t: number;
  n: number;
  p50: number;
  max: number;
  bad: number;
  errors: number;
}

export interface DrillMeasures {
  /** Fault injected → detected (the rollback committed by the alarm, or the first bad response seen by the operator; a refusal at deploy). */
  mttdMs: number | null;
  /** Fault injected → the good version served everywhere (the last bad response, or the rollback, whichever is later). */
  mttrMs: number | null;
  requests: number;
  servedBad: number;
  loadErrors: number;
  p50Ms: number;
  p99Ms: number;
}

export interface DrillReport {
  id: string;
  scenario: Scenario;
  mode: DrillOptions['mode'];
  rows: number;
  rps: number;
  view: string;
  target: string;
  startedAt: string;
  finishedAt: string;
  targetMttrSeconds: number;
  outcome: 'passed' | 'failed';
  failures: string[];
  fault: string;
  measures: DrillMeasures;
  verification: { sampled: number; exact: number; version: number | null; runbook?: string };
  timeline: TimelineMark[];
  latency: LatencyBucket[];
  cleanup: { purged: number[]; kept: number[]; note?: string };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** What the samples and the marks say, by the definitions above. */
export function measure(samples: readonly LoadSample[], marks: readonly TimelineMark[]): DrillMeasures {
  const at = (e: TimelineEvent) => marks.find((m) => m.event === e)?.t;
  const fault = at('fault');
  const detected = at('detected') ?? at('refused');
  const bad = samples.filter((s) => s.status === 200 && s.good === false);
  const rollback = at('rollback');
  const lastBad = bad.length ? Math.max(...bad.map((s) => s.t + s.ms)) : undefined;
  const recovered = at('refused') !== undefined ? at('refused') : rollback === undefined ? undefined : Math.max(rollback, lastBad ?? rollback);
  const latencies = samples.map((s) => s.ms).sort((a, b) => a - b);
  return {
    mttdMs: fault !== undefined && detected !== undefined ? Math.max(0, Math.round(detected - fault)) : null,
    mttrMs: fault !== undefined && recovered !== undefined ? Math.max(0, Math.round(recovered - fault)) : null,
    requests: samples.length,
    servedBad: bad.length,
    loadErrors: samples.filter((s) => s.status !== 200).length,
    p50Ms: Math.round(percentile(latencies, 50) * 10) / 10,
    p99Ms: Math.round(percentile(latencies, 99) * 10) / 10,
  };
}

/** The load's latency in at most `max` buckets (a report stays a few kilobytes however long the drill). */
export function latencyBuckets(samples: readonly LoadSample[], max = 120): LatencyBucket[] {
  if (samples.length === 0) return [];
  const end = Math.max(...samples.map((s) => s.t));
  const width = Math.max(100, Math.ceil((end + 1) / max / 100) * 100);
  const buckets = new Map<number, LoadSample[]>();
  for (const s of samples) {
    const k = Math.floor(s.t / width) * width;
    buckets.set(k, [...(buckets.get(k) ?? []), s]);
  }
  return [...buckets.entries()]
    .sort(([a], [b]) => a - b)
    .map(([t, list]) => {
      const ms = list.map((s) => s.ms).sort((a, b) => a - b);
      return { t, n: list.length, p50: Math.round(percentile(ms, 50) * 10) / 10, max: Math.round(ms.at(-1)! * 10) / 10, bad: list.filter((s) => s.status === 200 && s.good === false).length, errors: list.filter((s) => s.status !== 200).length };
    });
}

const seconds = (ms: number | null) => (ms === null ? '—' : `${(ms / 1000).toFixed(2)} s`);

export function drillMarkdown(r: DrillReport): string {
  const m = r.measures;
  const lines = [
    `# Drill ${r.id}: ${r.scenario} (${r.mode}) — ${r.outcome.toUpperCase()}`,
    '',
    `${r.rows.toLocaleString('en')} rows, ${r.rps} req/s against ${r.target}, view \`${r.view}\`, ${r.startedAt} → ${r.finishedAt}`,
    '',
    `Fault: ${r.fault}`,
    '',
    '| measure | value |',
    '| --- | --- |',
    `| time to detect | ${seconds(m.mttdMs)} |`,
    `| time to recover | ${seconds(m.mttrMs)} (target ${r.targetMttrSeconds} s) |`,
    `| requests served bad | ${m.servedBad} of ${m.requests} |`,
    `| load errors | ${m.loadErrors} |`,
    `| latency p50 / p99 | ${m.p50Ms} ms / ${m.p99Ms} ms |`,
    `| verification | ${r.verification.exact} of ${r.verification.sampled} entities exact on v${r.verification.version ?? '?'}${r.verification.runbook ? `; runbook: ${r.verification.runbook}` : ''} |`,
    `| cleanup | purged ${r.cleanup.purged.map((v) => `v${v}`).join(', ') || 'nothing'}${r.cleanup.kept.length ? `; kept v${r.cleanup.kept.join(', v')} (served)` : ''} |`,
    '',
    '## Timeline',
    '',
    ...r.timeline.map((t) => `- +${(t.t / 1000).toFixed(2)} s ${t.event}${t.note ? `: ${t.note}` : ''}`),
  ];
  if (r.failures.length) lines.push('', '## Failures', '', ...r.failures.map((f) => `- ${f}`));
  return `${lines.join('\n')}\n`;
}

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The timeline and the latency as one SVG: marks on a time axis above, p50 / max latency and bad responses below. */
export function drillSvg(r: DrillReport, width = 900): string {
  const end = Math.max(1, ...r.timeline.map((t) => t.t), ...r.latency.map((b) => b.t + 100));
  const x = (t: number) => 40 + (t / end) * (width - 60);
  const top = 70;
  const h = 160;
  const maxMs = Math.max(1, ...r.latency.map((b) => b.max));
  const y = (ms: number) => top + h - (ms / maxMs) * h;
  const line = (key: 'p50' | 'max') => r.latency.map((b, i) => `${i ? 'L' : 'M'}${x(b.t).toFixed(1)},${y(b[key]).toFixed(1)}`).join(' ');
  const marks = r.timeline
    .map((m, i) => `<g><line x1="${x(m.t).toFixed(1)}" x2="${x(m.t).toFixed(1)}" y1="12" y2="${top + h}" stroke="#888" stroke-dasharray="3 3"/><text x="${x(m.t).toFixed(1)}" y="${14 + (i % 4) * 13}" font-size="11" fill="#222">${escape(m.event)} +${(m.t / 1000).toFixed(1)}s</text></g>`)
    .join('');
  const bad = r.latency.filter((b) => b.bad > 0).map((b) => `<rect x="${x(b.t).toFixed(1)}" y="${top + h + 4}" width="${Math.max(2, x(b.t + 100) - x(b.t)).toFixed(1)}" height="8" fill="#c0392b"><title>${b.bad} bad</title></rect>`).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${top + h + 40}" role="img" aria-label="Drill timeline and latency"><rect width="100%" height="100%" fill="#fff"/>${marks}<path d="${line('max')}" fill="none" stroke="#e67e22" stroke-width="1"/><path d="${line('p50')}" fill="none" stroke="#2c3e50" stroke-width="1.5"/>${bad}<text x="4" y="${top + 10}" font-size="10">${maxMs.toFixed(0)} ms</text><text x="4" y="${top + h}" font-size="10">0</text><text x="${width - 250}" y="${top + h + 34}" font-size="11">p50 (dark), max (orange), served bad (red)</text></svg>`;
}

/** A page with no external resource: the report, the SVG, and the JSON it was made from. */
export function drillHtml(r: DrillReport): string {
  const m = r.measures;
  const row = (k: string, v: string) => `<tr><th scope="row">${escape(k)}</th><td>${escape(v)}</td></tr>`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Drill ${escape(r.id)}: ${escape(r.scenario)}</title><style>body{font:14px system-ui,sans-serif;margin:2em;max-width:960px}table{border-collapse:collapse}th,td{border:1px solid #ccc;padding:4px 8px;text-align:left}.passed{color:#1e7e34}.failed{color:#c0392b}</style></head><body>
<h1>Drill ${escape(r.id)}: ${escape(r.scenario)} (${escape(r.mode)}) — <span class="${r.outcome}">${r.outcome.toUpperCase()}</span></h1>
<p>${r.rows.toLocaleString('en')} rows, ${r.rps} req/s against ${escape(r.target)}; view <code>${escape(r.view)}</code>. Fault: ${escape(r.fault)}</p>
<table>${row('time to detect', seconds(m.mttdMs))}${row('time to recover', `${seconds(m.mttrMs)} (target ${r.targetMttrSeconds} s)`)}${row('requests served bad', `${m.servedBad} of ${m.requests}`)}${row('load errors', String(m.loadErrors))}${row('latency p50 / p99', `${m.p50Ms} ms / ${m.p99Ms} ms`)}${row('verification', `${r.verification.exact} of ${r.verification.sampled} exact on v${r.verification.version ?? '?'}${r.verification.runbook ? `; runbook ${r.verification.runbook}` : ''}`)}</table>
${r.failures.length ? `<h2>Failures</h2><ul>${r.failures.map((f) => `<li>${escape(f)}</li>`).join('')}</ul>` : ''}
<h2>Timeline and latency</h2>${drillSvg(r)}
<details><summary>Report (JSON)</summary><pre>${escape(JSON.stringify(r, null, 2))}</pre></details>
</body></html>
`;
}
