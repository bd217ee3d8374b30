/**
 * Blast radius of a version (issue 12, item 7): when it was served and to what share of
 * entities, which models consumed it, how many requests the monitor saw it serve, and which
 * derived artifacts were refreshed from it: what an incident review needs, from the history
 * and the version record alone (plus the monitor's measurements for the request figure).
 */
import type { Deps } from './deps';
import { VersionNotFoundError } from './errors';
import type { MeasurementLog } from './measurements';
import type { DerivedArtifact, HistoryEntry, Pointer } from './model';
import { getView } from './queries';

/** Pointer changes read, newest first; a longer history is reported as truncated. */
export const BLAST_RADIUS_HISTORY = 1000;

export type ServedRole = 'stable' | 'canary' | 'shadow';

export interface ServedWindow {
  from: string;
  /** Null: still served now. */
  to: string | null;
  role: ServedRole;
  /** Share of entities this version answered, in percent (a shadow answers nobody: 0). */
  percent: number;
  /** The revisions that opened and closed the window (closedBy null while open). */
  openedBy: number;
  closedBy: number | null;
}

export interface BlastRadius {
  view: string;
  version: number;
  windows: ServedWindow[];
  /** The models that declared they consume this version, with the features they read when declared. */
  consumers: { model: string; features: string[] | 'all' }[];
  requests: { sampled: number; method: string };
  /** Artifacts this version declared that pointer changes onto it refreshed (the history's refresh plans). */
  artifacts: (DerivedArtifact & { refreshedBy: number[] })[];
  /** True when the view has more pointer changes than were read (windows before them are missing). */
  truncated: boolean;
}

function roleOf(pointer: Pointer, version: number): { role: ServedRole; percent: number } | undefined {
  const candidate = pointer.candidate;
  if (candidate?.version === version) return candidate.strategy === 'shadow' ? { role: 'shadow', percent: 0 } : { role: 'canary', percent: candidate.percent ?? 0 };
  if (pointer.stable === version) return { role: 'stable', percent: candidate && candidate.strategy === 'canary' ? 100 - (candidate.percent ?? 0) : 100 };
  return undefined;
}

/** The windows in which `version` was served, oldest first, one per (role, share) run. */
export function servedWindows(oldestFirst: readonly HistoryEntry[], version: number): ServedWindow[] {
  const windows: ServedWindow[] = [];
  let open: ServedWindow | undefined;
  for (const entry of oldestFirst) {
    const now = roleOf(entry.after, version);
    if (open && (!now || now.role !== open.role || now.percent !== open.percent)) {
      open.to = entry.at;
      open.closedBy = entry.revision;
      open = undefined;
    }
    if (now && !open) {
      open = { from: entry.at, to: null, role: now.role, percent: now.percent, openedBy: entry.revision, closedBy: null };
      windows.push(open);
    }
  }
  return windows;
}

export async function blastRadius(deps: Pick<Deps, 'pointers' | 'catalog'>, measurements: MeasurementLog | undefined, view: string, version: number, now: Date): Promise<BlastRadius> {
  // One round of reads, not three: every rollback's answer carries this report.
  const [, record, newestFirst] = await Promise.all([getView(deps, view), deps.catalog.getVersion(view, version), deps.pointers.history(view, BLAST_RADIUS_HISTORY)]);
  if (!record) throw new VersionNotFoundError(view, version);
  const oldestFirst = [...newestFirst].reverse();
  const windows = servedWindows(oldestFirst, version);

  // The monitor measures each served version per window; its sample count is a lower bound
  // on requests served (the serving sampler keeps a bounded sample per window).
  // One read over the span of every window (not one per window: a version served, rolled back
  // and served again many times would cost a query each, and every rollback's answer carries
  // this report), then only the measurements inside a window count.
  let sampled = 0;
  if (measurements && windows.length) {
    const until = (w: ServedWindow) => w.to ?? now.toISOString();
    const span = await measurements.between(view, version, windows[0]!.from, windows.map(until).sort().at(-1)!);
    const perWindow = new Map<string, number>();
    for (const m of span) if (windows.some((w) => m.from >= w.from && m.from < until(w))) perWindow.set(m.from, Math.max(perWindow.get(m.from) ?? 0, m.samples));
    sampled = [...perWindow.values()].reduce((a, b) => a + b, 0);
  }

  const refreshedBy = new Map<string, { artifact: DerivedArtifact; revisions: number[] }>();
  for (const entry of oldestFirst) {
    for (const planned of entry.artifacts ?? []) {
      if (!planned.declaredBy.includes(version)) continue;
      const key = `${planned.kind}:${planned.name}`;
      const seen = refreshedBy.get(key) ?? { artifact: { kind: planned.kind, name: planned.name, tier: planned.tier }, revisions: [] };
      seen.revisions.push(entry.revision);
      refreshedBy.set(key, seen);
    }
  }

  return {
    view,
    version,
    windows,
    consumers: record.consumers.map((model) => ({ model, features: record.consumerFeatures?.[model] ?? 'all' })),
    requests: {
      sampled,
      method: measurements
        ? "served requests the drift monitor sampled in the windows above (the sum, per measurement window, of the largest sample it measured): a lower bound on requests served, since the serving sampler keeps a bounded sample per window"
        : 'not measured: this runtime keeps no monitor measurements',
    },
    artifacts: [...refreshedBy.values()].map(({ artifact, revisions }) => ({ ...artifact, refreshedBy: revisions })),
    truncated: newestFirst.length >= BLAST_RADIUS_HISTORY,
  };
}

/** The same report as Markdown, ready to paste into an incident review. */
export function blastRadiusMarkdown(report: BlastRadius): string {
  const lines = [`## Blast radius of ${report.view} v${report.version}`, '', '| from | to | role | share | revisions |', '| --- | --- | --- | --- | --- |'];
  for (const w of report.windows) lines.push(`| ${w.from} | ${w.to ?? 'now'} | ${w.role} | ${w.percent} % | ${w.openedBy} → ${w.closedBy ?? '…'} |`);
  if (!report.windows.length) lines.push('| — | — | never served | — | — |');
  lines.push('', `**Models consuming it:** ${report.consumers.length ? report.consumers.map((c) => `${c.model} (${c.features === 'all' ? 'all features' : c.features.join(', ')})`).join('; ') : 'none declared'}`);
  lines.push('', `**Requests:** ${report.requests.sampled} sampled (${report.requests.method})`);
  lines.push('', `**Derived artifacts refreshed from it:** ${report.artifacts.length ? report.artifacts.map((a) => `${a.kind} ${a.name} (revisions ${a.refreshedBy.join(', ')})`).join('; ') : 'none'}`);
  if (report.truncated) lines.push('', `_Only the last ${BLAST_RADIUS_HISTORY} pointer changes were read; earlier windows are not shown._`);
  return `${lines.join('\n')}\n`;
}
