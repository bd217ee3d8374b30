/** One view during an incident: what it serves, what changed when, is it drifting, what may I do. */
import { api, path, type Session } from '../api';
import { Actions } from '../components/actions';
import { Loading, Section, useLoad, when } from '../components/common';
import { DriftCharts } from '../components/drift-chart';
import { Timeline } from '../components/timeline';
import { VersionDiff, VersionsTable } from '../components/versions';
import type { DriftReport, HistoryEntry, PolicyDocument, Pointer, VersionView } from '../types';

export interface ViewData {
  pointer: Pointer;
  history: HistoryEntry[];
  versions: VersionView[];
  policy: { document: PolicyDocument };
  jobs: { id: string; version: number; status: string; phase: string; chunks: { done: number; total: number }; startedAt: string; createdBy: string }[];
  models: string[];
}

async function loadView(view: string): Promise<ViewData> {
  const [{ pointer }, { history }, { versions }, policy, jobs, lineage] = await Promise.all([
    api<{ pointer: Pointer }>(path`/views/${view}`),
    api<{ history: HistoryEntry[] }>(path`/views/${view}/history?limit=1000`),
    api<{ versions: VersionView[] }>(path`/views/${view}/versions`),
    api<{ document: PolicyDocument }>('/policy'),
    api<{ jobs: ViewData['jobs'] }>(path`/views/${view}/jobs?limit=20`).catch(() => ({ jobs: [] })),
    api<{ models: string[] }>(path`/lineage/views/${view}`).catch(() => ({ models: [] })),
  ]);
  return { pointer, history, versions, policy, jobs: jobs.jobs, models: lineage.models };
}

export function ViewPage({ view, session }: { view: string; session: Session }) {
  const loaded = useLoad(() => loadView(view), view);
  const drift = useLoad(() => api<DriftReport>(path`/views/${view}/drift`), view);
  const reload = () => {
    loaded.reload();
    drift.reload();
  };
  return (
    <>
      <p>
        <a href="#/">← Views</a>
      </p>
      <h1>{view}</h1>
      <Loading loaded={loaded}>
        {(data) => {
          const p = data.pointer;
          const running = data.jobs.filter((j) => !['succeeded', 'failed', 'cancelled'].includes(j.status));
          return (
            <>
              <dl class="served" data-testid="served">
                <dt>Serves</dt>
                <dd data-testid="served-stable">{p.stable == null ? 'nothing yet' : `v${p.stable}`}</dd>
                <dt>Candidate</dt>
                <dd>{p.candidate ? `v${p.candidate.version} (${p.candidate.strategy}, ${p.candidate.percent}% of entities, since ${when(p.candidate.startedAt)})` : 'none'}</dd>
                <dt>Disabled features</dt>
                <dd>{p.disabledFeatures.length ? p.disabledFeatures.join(', ') : 'none'}</dd>
                <dt>Last change</dt>
                <dd>
                  revision {p.revision}, by {p.updatedBy} at {when(p.updatedAt)}
                </dd>
                <dt>Models consuming what is served</dt>
                <dd>{data.models.length ? data.models.join(', ') : 'none declared'}</dd>
              </dl>
              <Actions view={view} data={data} session={session} onDone={reload} />
              {running.length ? (
                <Section title="Jobs in progress" id="jobs">
                  <ul>
                    {running.map((j) => (
                      <li key={j.id}>
                        v{j.version}: {j.status} ({j.phase}), {j.chunks.done}/{j.chunks.total} chunks, started {when(j.startedAt)} by {j.createdBy}
                      </li>
                    ))}
                  </ul>
                </Section>
              ) : null}
              <Section title="Drift" id="drift">
                <Loading loaded={drift}>{(report) => <DriftCharts report={report} />}</Loading>
              </Section>
              <Section title="Timeline" id="timeline">
                <Timeline history={data.history} versions={data.versions} />
              </Section>
              <Section title="Versions" id="versions">
                <VersionsTable versions={data.versions} />
              </Section>
              <Section title="Compare two versions" id="diff">
                <VersionDiff versions={data.versions} />
              </Section>
            </>
          );
        }}
      </Loading>
    </>
  );
}
