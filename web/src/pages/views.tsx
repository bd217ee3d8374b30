/** Every view at a glance: what it serves, what is on trial, what is switched off, the last change, drift. */
import { useState } from 'preact/hooks';
import { api, path } from '../api';
import { Loading, useLoad, when } from '../components/common';
import { DriftBadges } from '../components/drift-badges';
import type { DriftReport, HistoryEntry, Pointer } from '../types';

interface ViewSummary {
  view: string;
  pointer: Pointer;
  last?: HistoryEntry;
  drift?: DriftReport;
}

async function loadViews(): Promise<ViewSummary[]> {
  const { views } = await api<{ views: { view: string }[] }>('/views');
  return Promise.all(
    views.map(async ({ view }) => {
      const [{ pointer }, { history }, drift] = await Promise.all([
        api<{ pointer: Pointer }>(path`/views/${view}`),
        api<{ history: HistoryEntry[] }>(path`/views/${view}/history?limit=1`),
        // Drift is a nice-to-have on this page: a view without figures still lists.
        api<DriftReport>(path`/views/${view}/drift`).catch(() => undefined),
      ]);
      return { view, pointer, ...(history[0] ? { last: history[0] } : {}), ...(drift ? { drift } : {}) };
    }),
  );
}

export function ViewsPage() {
  const loaded = useLoad(loadViews, 'views');
  const [search, setSearch] = useState('');
  return (
    <>
      <h1>Views</h1>
      <label for="search">Search views</label>{' '}
      <input id="search" type="search" value={search} placeholder="name or feature" onInput={(e) => setSearch((e.target as HTMLInputElement).value)} />
      <Loading loaded={loaded}>
        {(views) => {
          const q = search.trim().toLowerCase();
          const shown = views.filter((v) => !q || v.view.toLowerCase().includes(q) || v.drift?.features.some((f) => f.feature.toLowerCase().includes(q)));
          return (
            <table class="views" data-testid="views-table">
              <caption class="muted">{shown.length === views.length ? `${views.length} views` : `${shown.length} of ${views.length} views`}</caption>
              <thead>
                <tr>
                  <th scope="col">View</th>
                  <th scope="col">Stable</th>
                  <th scope="col">Candidate</th>
                  <th scope="col">Disabled features</th>
                  <th scope="col">Last change</th>
                  <th scope="col">Drift</th>
                </tr>
              </thead>
              <tbody>
                {shown.map((v) => (
                  <tr key={v.view} data-view={v.view}>
                    <th scope="row">
                      <a href={`#/views/${encodeURIComponent(v.view)}`}>{v.view}</a>
                    </th>
                    <td data-testid="stable">{v.pointer.stable == null ? 'nothing served' : `v${v.pointer.stable}`}</td>
                    <td>{v.pointer.candidate ? `v${v.pointer.candidate.version} (${v.pointer.candidate.strategy}, ${v.pointer.candidate.percent}%)` : '—'}</td>
                    <td>{v.pointer.disabledFeatures.length ? v.pointer.disabledFeatures.join(', ') : '—'}</td>
                    <td>
                      {v.last ? (
                        <>
                          <strong>{v.last.action}</strong> by {v.last.actor} at {when(v.last.at)}
                          {v.last.reason ? <div class="muted">“{v.last.reason}”</div> : null}
                        </>
                      ) : (
                        '—'
                      )}
                    </td>
                    <td>{v.drift ? <DriftBadges report={v.drift} /> : <span class="muted">unavailable</span>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          );
        }}
      </Loading>
    </>
  );
}
