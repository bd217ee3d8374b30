/**
 * Deploy jobs across views. The API has no all-jobs route, so this page asks each view listed
 * by GET /views for its newest jobs (GET /views/{view}/jobs, a few at a time) and gathers them:
 * those in progress first, then the recently ended. It refreshes while anything runs.
 *
 * A view whose very first deploy is still a job has no record yet, so GET /views does not list
 * it: the form at the bottom asks for such a view's jobs by name.
 */
import { useState } from 'preact/hooks';
import { api, path, type ApiError, type Session } from '../api';
import { ErrorBox, Loading, Section, asApiError, useLoad, usePoll } from '../components/common';
import { JobsTable, isRunning, mayCancel } from '../components/jobs';
import type { JobView, PolicyDocument, VersionView } from '../types';

const PER_VIEW = 10;
const PARALLEL = 6;
const RECENT = 50;

const countViews = (n: number) => `${n} ${n === 1 ? 'view' : 'views'}`;

interface AllJobs {
  jobs: JobView[];
  policy: PolicyDocument;
  /** The tier of each view with a job in progress (what decides who may cancel it). */
  tiers: Record<string, string | undefined>;
  views: number;
  /** Refusals for the views asked for by name (a name that is no view's is refused, 400). */
  refused: ApiError[];
}

/** `f` over `items`, at most `n` at a time, in order. */
async function pooled<T, R>(items: readonly T[], n: number, f: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await f(items[i]!);
      }
    }),
  );
  return out;
}

async function loadAllJobs(extra: string[]): Promise<AllJobs> {
  const [{ views }, { document: policy }] = await Promise.all([api<{ views: { view: string }[] }>('/views'), api<{ document: PolicyDocument }>('/policy')]);
  const names = [...new Set([...views.map((v) => v.view), ...extra])];
  const refused: ApiError[] = [];
  const listed = new Set(views.map((v) => v.view));
  const perView = await pooled(names, PARALLEL, (view) =>
    api<{ jobs: JobView[] }>(path`/views/${view}/jobs?limit=${PER_VIEW}`).catch((e: unknown) => {
      if (listed.has(view)) throw e;
      refused.push(asApiError(e));
      return { jobs: [] as JobView[] };
    }),
  );
  const jobs = perView.flatMap((r) => r.jobs).sort((a, b) => (a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : 0));
  const runningViews = [...new Set(jobs.filter(isRunning).map((j) => j.view))];
  const tiers = Object.fromEntries(
    await pooled(runningViews, PARALLEL, async (view) => {
      const { versions } = await api<{ versions: VersionView[] }>(path`/views/${view}/versions`).catch(() => ({ versions: [] as VersionView[] }));
      return [view, [...versions].sort((a, b) => b.version - a.version)[0]?.definition.tier] as const;
    }),
  );
  return { jobs, policy, tiers, views: names.length, refused };
}

export function JobsPage({ session }: { session: Session }) {
  const [extra, setExtra] = useState<string[]>([]);
  const [draft, setDraft] = useState('');
  const loaded = useLoad(() => loadAllJobs(extra), extra.join('\n'));
  const moving = usePoll(loaded, (d) => d.jobs.some(isRunning));
  return (
    <>
      <h1>Jobs</h1>
      <p class="muted">
        Deploy jobs of every view, gathered from each view's newest {PER_VIEW}
        {moving ? '; refreshing while one runs' : ''}.
      </p>
      <Loading loaded={loaded}>
        {(data) => {
          const running = data.jobs.filter(isRunning);
          const ended = data.jobs.filter((j) => !isRunning(j)).slice(0, RECENT);
          const canCancel = (j: JobView) => mayCancel(data.policy, session, data.tiers[j.view]);
          return (
            <>
              {data.refused.map((e, i) => (
                <ErrorBox key={i} error={e} />
              ))}
              <Section title="In progress" id="running">
                {running.length ? (
                  <JobsTable jobs={running} showView canCancel={canCancel} onChanged={loaded.reload} caption={`${running.length} ${running.length === 1 ? 'job' : 'jobs'} in progress across ${countViews(data.views)}`} />
                ) : (
                  <p class="muted" data-testid="no-running">
                    Nothing is running in {countViews(data.views)}.
                  </p>
                )}
              </Section>
              <Section title="Recently ended" id="ended">
                {ended.length ? (
                  <JobsTable jobs={ended} showView canCancel={() => false} onChanged={loaded.reload} caption={`${ended.length} ended ${ended.length === 1 ? 'job' : 'jobs'}, newest first`} />
                ) : (
                  <p class="muted">No job has ended yet.</p>
                )}
              </Section>
            </>
          );
        }}
      </Loading>
      <Section title="A view not listed" id="lookup">
        <form
          class="filters"
          onSubmit={(e) => {
            e.preventDefault();
            const name = draft.trim();
            if (name && !extra.includes(name)) setExtra([...extra, name]);
          }}
        >
          <p class="muted">A view whose first version is still being deployed by a job is not listed yet; ask for its jobs by name.</p>
          <label>
            View <input name="view" value={draft} onInput={(e) => setDraft((e.target as HTMLInputElement).value)} />
          </label>{' '}
          <button type="submit">Show its jobs</button>
        </form>
      </Section>
    </>
  );
}
