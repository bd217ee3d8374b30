/**
 * Deploy jobs (GET /views/{view}/jobs): status, phase, a progress bar over chunks and rows,
 * rows/s, the error a failed job ended with; a Cancel (POST /jobs/{id}/cancel) for a role the
 * policy grants `deploy` on the view's tier, behind a confirmation that says what it undoes.
 */
import { useState } from 'preact/hooks';
import { api, path, type ApiError, type Session } from '../api';
import type { JobView, PolicyDocument } from '../types';
import { ErrorBox, asApiError, when } from './common';

export const ENDED_STATUSES: readonly string[] = ['succeeded', 'failed', 'cancelled'];
export const isRunning = (j: Pick<JobView, 'status'>) => !ENDED_STATUSES.includes(j.status);

/** Whether the signed-in roles may cancel a job of a view of `tier` (unknown tier: any tier grants it). */
export function mayCancel(policy: PolicyDocument, session: Session, tier: string | undefined): boolean {
  const tiers = tier && policy.tiers[tier as keyof PolicyDocument['tiers']] ? [policy.tiers[tier as keyof PolicyDocument['tiers']]] : Object.values(policy.tiers);
  return tiers.some((t) => session.roles.some((r) => Object.hasOwn(t.grants, r) && t.grants[r]!.includes('deploy')));
}

const number = (n: number) => n.toLocaleString('en');

function Progress({ job }: { job: JobView }) {
  const { done, total } = job.chunks;
  const rows = job.rows.total == null ? `${number(job.rows.written)} rows` : `${number(job.rows.written)} of ${number(job.rows.total)} rows`;
  const read = job.phase === 'validating' && job.rows.validated ? `, ${number(job.rows.validated)} rows read` : '';
  const label = `${done}/${total} chunks, ${rows}${read}${job.rowsPerSecond != null ? `, ${number(job.rowsPerSecond)} rows/s` : ''}`;
  return (
    <div class="progress" data-testid="job-progress">
      {total > 0 ? (
        <progress max={total} value={done} aria-label={`Job ${job.id.slice(0, 8)}: ${label}`} />
      ) : isRunning(job) ? (
        // Not yet cut into chunks (validating): an indeterminate bar, and the rows read so far when validation runs in segments.
        <progress aria-label={`Job ${job.id.slice(0, 8)}: ${job.phase}, not yet cut into chunks${job.rows.validated ? `, ${number(job.rows.validated)} rows read` : ''}`} />
      ) : null}{' '}
      <span>{label}</span>
    </div>
  );
}

export function JobsTable({
  jobs,
  showView = false,
  canCancel,
  onChanged,
  caption,
}: {
  jobs: JobView[];
  showView?: boolean;
  canCancel: (job: JobView) => boolean;
  onChanged: () => void;
  caption: string;
}) {
  const [confirming, setConfirming] = useState<JobView>();
  const [error, setError] = useState<ApiError>();
  const [done, setDone] = useState<string>();
  const [busy, setBusy] = useState(false);

  async function cancel(job: JobView) {
    setBusy(true);
    setError(undefined);
    try {
      const after = await api<JobView>(path`/jobs/${job.id}/cancel`, { method: 'POST' });
      setDone(`Job ${job.id.slice(0, 8)} is ${after.status}: v${job.version} of ${job.view} will not be recorded.`);
      setConfirming(undefined);
      onChanged();
    } catch (e) {
      setError(asApiError(e));
      setConfirming(undefined);
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      {done ? (
        <p class="notice" role="status" data-testid="cancel-done">
          {done}
        </p>
      ) : null}
      <ErrorBox error={error} />
      {confirming ? (
        <div role="dialog" aria-modal="true" aria-labelledby="cancel-h" class="dialog" data-testid="confirm-cancel">
          <h3 id="cancel-h">Cancel job {confirming.id.slice(0, 8)}?</h3>
          <p data-testid="confirm-cancel-after">
            The deploy of v{confirming.version} of {confirming.view} stops: no version v{confirming.version} is recorded
            {confirming.activate ? ' (so it is not activated)' : ''}, the {number(confirming.rows.written)} online rows it wrote are deleted, and what {confirming.view} serves does
            not change.
          </p>
          <button type="button" disabled={busy} onClick={() => void cancel(confirming)} data-testid="confirm-cancel-yes">
            Yes, cancel the job
          </button>{' '}
          <button type="button" class="secondary" onClick={() => setConfirming(undefined)}>
            Keep it running
          </button>
        </div>
      ) : null}
      <table data-testid="jobs">
        <caption class="muted">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Job</th>
            {showView ? <th scope="col">View</th> : null}
            <th scope="col">Version</th>
            <th scope="col">Status</th>
            <th scope="col">Phase</th>
            <th scope="col">Progress</th>
            <th scope="col">Started</th>
            <th scope="col">Error</th>
            <th scope="col">
              <span class="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {jobs.map((j) => (
            <tr key={j.id} data-job={j.id} class={`job ${j.status}`}>
              <th scope="row" class="mono" title={j.id}>
                {j.id.slice(0, 8)}
              </th>
              {showView ? (
                <td>
                  <a href={`#/views/${encodeURIComponent(j.view)}`}>{j.view}</a>
                </td>
              ) : null}
              <td>
                v{j.version}
                {j.activate ? <span class="muted"> (then activate)</span> : null}
              </td>
              <td>
                <span class={`badge ${j.status}`} data-testid="job-status">
                  {j.status}
                </span>
              </td>
              <td>{j.phase}</td>
              <td>
                <Progress job={j} />
              </td>
              <td>
                {when(j.startedAt)} by {j.createdBy}
                {j.endedAt ? <div class="muted">ended {when(j.endedAt)}</div> : null}
              </td>
              <td data-testid="job-error">
                {j.error ? (
                  <span class="error-inline">
                    <strong>{j.error.error.code}</strong>
                    {j.errorStatus ? ` (${j.errorStatus})` : ''}: {j.error.error.message}
                    {j.error.error.field ? ` — field ${j.error.error.field}` : ''}
                  </span>
                ) : (
                  ''
                )}
              </td>
              <td>
                {isRunning(j) && j.status !== 'cancelling' && canCancel(j) ? (
                  <button type="button" class="secondary" data-action="cancel-job" onClick={() => (setConfirming(j), setDone(undefined), setError(undefined))}>
                    Cancel…
                  </button>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
