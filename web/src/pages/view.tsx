/** One view during an incident: what it serves, what changed when, is it drifting, what may I do. */
import { api, path, type Session } from '../api';
import { Actions } from '../components/actions';
import { Fragment } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { Loading, Section, useLoad, usePoll, when } from '../components/common';
import { DriftCharts } from '../components/drift-chart';
import { JobsTable, isRunning, mayCancel } from '../components/jobs';
import { Timeline } from '../components/timeline';
import { VersionDiff, VersionsTable } from '../components/versions';
import type { DriftReport, HistoryEntry, JobView, PolicyDocument, Pointer, VersionView } from '../types';

export interface ViewData {
  pointer: Pointer;
  history: HistoryEntry[];
  versions: VersionView[];
  policy: { document: PolicyDocument };
  models: string[];
}

async function loadView(view: string): Promise<ViewData> {
  const [{ pointer }, { history }, { versions }, policy, lineage] = await Promise.all([
    api<{ pointer: Pointer }>(path`/views/${view}`),
    api<{ history: HistoryEntry[] }>(path`/views/${view}/history?limit=1000`),
    api<{ versions: VersionView[] }>(path`/views/${view}/versions`),
    api<{ document: PolicyDocument }>('/policy'),
    api<{ models: string[] }>(path`/lineage/views/${view}`).catch(() => ({ models: [] })),
  ]);
  return { pointer, history, versions, policy, models: lineage.models };
}

/**
 * The view's deploy jobs, newest first, refreshed every 1.5 s while one runs (and no longer once
 * none does); when one ends, the rest of the page reloads, since a version may have appeared.
 */
function ViewJobs({ view, data, session, onEnded }: { view: string; data: ViewData; session: Session; onEnded: () => void }) {
  const jobs = useLoad(() => api<{ jobs: JobView[] }>(path`/views/${view}/jobs?limit=20`), view);
  const moving = usePoll(jobs, (d) => d.jobs.some(isRunning));
  const wasMoving = useRef(false);
  useEffect(() => {
    if (wasMoving.current && !moving) onEnded();
    wasMoving.current = moving;
  }, [moving]);
  const served = data.versions.find((v) => v.version === data.pointer.stable) ?? [...data.versions].sort((a, b) => b.version - a.version)[0];
  const cancel = mayCancel(data.policy.document, session, served?.definition.tier);
  return (
    <Section title="Jobs" id="jobs">
      <Loading loaded={jobs}>
        {({ jobs: list }) => {
          const running = list.filter(isRunning).length;
          return list.length ? (
            <JobsTable
              jobs={list}
              canCancel={() => cancel}
              onChanged={jobs.reload}
              caption={`${list.length} deploy jobs, newest first; ${running ? `${running} in progress (refreshing)` : 'none in progress'}`}
            />
          ) : (
            <p class="muted">No deploy jobs for this view (a synchronous deploy runs none).</p>
          );
        }}
      </Loading>
    </Section>
  );
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
        <a href="#/">← Views</a> · <a href={`#/lineage/views/${encodeURIComponent(view)}`}>Lineage of {view}</a>
      </p>
      <h1>{view}</h1>
      <Loading loaded={loaded}>
        {(data) => {
          const p = data.pointer;
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
                <dd>
                  {data.models.length
                    ? data.models.map((m, i) => (
                        <Fragment key={m}>
                          {i ? ', ' : ''}
                          <a href={`#/lineage/models/${encodeURIComponent(m)}`}>{m}</a>
                        </Fragment>
                      ))
                    : 'none declared'}
                </dd>
              </dl>
              <Actions view={view} data={data} session={session} onDone={reload} />
              <ViewJobs view={view} data={data} session={session} onEnded={reload} />
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
