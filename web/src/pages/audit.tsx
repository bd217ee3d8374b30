/** The audit trail: is every chain intact (GET /audit/verify), and what was done or refused, by view and actor. */
import { useState } from 'preact/hooks';
import { api } from '../api';
import { Loading, Section, useLoad, when } from '../components/common';
import type { AuditEntry, AuditVerdict } from '../types';

export function AuditPage() {
  const verdict = useLoad(() => api<AuditVerdict>('/audit/verify'), 'verify');
  const [filter, setFilter] = useState({ view: '', actor: '' });
  const [draft, setDraft] = useState(filter);
  const query = new URLSearchParams({ limit: '200', ...(filter.view ? { view: filter.view } : {}), ...(filter.actor ? { actor: filter.actor } : {}) }).toString();
  const entries = useLoad(() => api<{ entries: AuditEntry[] }>(`/audit?${query}`), query);
  return (
    <>
      <h1>Audit</h1>
      <Section title="Chain status" id="chain">
        <Loading loaded={verdict}>
          {(v) => (
            <div class={v.ok ? 'notice' : 'error'} data-testid="chain-status" role="status">
              {v.ok ? 'Intact' : 'BROKEN'}: {v.entries} entries in {v.chains} chains checked
              {v.checkpoints ? `, ${v.checkpoints.count} signed checkpoints${v.checkpoints.latest ? ` (latest ${when(v.checkpoints.latest.at)})` : ''}` : ''}.
              {v.problems.length ? (
                <ul>
                  {v.problems.slice(0, 20).map((p, i) => (
                    <li key={i}>{JSON.stringify(p)}</li>
                  ))}
                </ul>
              ) : null}
              {v.unanchored.length ? <div class="muted">Not yet anchored by a head: {v.unanchored.join(', ')}</div> : null}
            </div>
          )}
        </Loading>
      </Section>
      <Section title="Entries" id="entries">
        <form
          class="filters"
          onSubmit={(e) => {
            e.preventDefault();
            setFilter(draft);
          }}
        >
          <label>
            View <input name="view" value={draft.view} onInput={(e) => setDraft({ ...draft, view: (e.target as HTMLInputElement).value.trim() })} />
          </label>{' '}
          <label>
            Actor <input name="actor" value={draft.actor} onInput={(e) => setDraft({ ...draft, actor: (e.target as HTMLInputElement).value.trim() })} />
          </label>{' '}
          <button type="submit">Filter</button>
        </form>
        <Loading loaded={entries}>
          {({ entries: list }) => (
            <table data-testid="audit-entries">
              <caption class="muted">{list.length} entries, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Actor</th>
                  <th scope="col">Action</th>
                  <th scope="col">Outcome</th>
                  <th scope="col">View</th>
                  <th scope="col">Reason</th>
                  <th scope="col">Entry</th>
                </tr>
              </thead>
              <tbody>
                {list.map((e) => (
                  <tr key={e.id} class={e.outcome}>
                    <td>{when(e.at)}</td>
                    <td>{e.actor}</td>
                    <td>{e.action}</td>
                    <td>{e.outcome}</td>
                    <td>{e.view ?? '—'}</td>
                    <td>{e.reason ?? ''}</td>
                    <td class="muted">{e.id}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Loading>
      </Section>
    </>
  );
}
