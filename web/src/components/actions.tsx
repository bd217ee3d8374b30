/**
 * The pointer changes the signed-in person's roles are granted on this view's tier (by the
 * policy in force, GET /policy): rollback, promote, disable / enable a feature, approve. None
 * for a role granted none (a viewer). Each asks for a reason, then a confirmation that says
 * what will be served after; the API's refusal (MFA, approval, conflict…) is shown as it is.
 */
import { useState } from 'preact/hooks';
import { rollbackTarget } from '../../../core/pointer';
import { api, path, type ApiError, type Session } from '../api';
import type { ViewData } from '../pages/view';
import { ErrorBox, asApiError } from './common';

type Kind = 'rollback' | 'promote' | 'disable' | 'enable' | 'approve';
const APPROVABLE = ['activate', 'promote', 'rollback', 'disable', 'enable'] as const;

interface Pending {
  kind: Kind;
  /** What will be served after, in words, for the confirmation. */
  after: string;
  send: () => Promise<unknown>;
}

export function allowedActions(data: ViewData, session: Session): Set<string> {
  const served = data.versions.find((v) => v.version === data.pointer.stable) ?? [...data.versions].sort((a, b) => b.version - a.version)[0];
  const tier = served?.definition.tier;
  const grants = tier ? data.policy.document.tiers[tier]?.grants ?? {} : {};
  return new Set(session.roles.flatMap((r) => grants[r] ?? []));
}

function defaultTarget(data: ViewData): number | undefined {
  try {
    return rollbackTarget(data.pointer);
  } catch {
    return undefined;
  }
}

export function Actions({ view, data, session, onDone }: { view: string; data: ViewData; session: Session; onDone: () => void }) {
  const allowed = allowedActions(data, session);
  const [open, setOpen] = useState<Kind>();
  const [reason, setReason] = useState('');
  const [target, setTarget] = useState<number | undefined>(defaultTarget(data));
  const [feature, setFeature] = useState('');
  const [approveAction, setApproveAction] = useState<(typeof APPROVABLE)[number]>('activate');
  const [approveVersion, setApproveVersion] = useState<number | undefined>();
  const [pending, setPending] = useState<Pending>();
  const [error, setError] = useState<ApiError>();
  const [done, setDone] = useState<string>();
  const [busy, setBusy] = useState(false);

  const p = data.pointer;
  const kinds: Kind[] = (['rollback', 'promote', 'disable', 'enable', 'approve'] as const).filter(
    (k) => allowed.has(k) && (k !== 'promote' || p.candidate) && (k !== 'enable' || p.disabledFeatures.length > 0) && (k !== 'rollback' || p.stable != null),
  );
  if (kinds.length === 0) return null;

  const features = [...new Set(data.versions.find((v) => v.version === p.stable)?.definition.features.map((f) => f.name) ?? [])];
  const revision = p.revision;
  const stableWord = p.stable == null ? 'nothing' : `v${p.stable}`;
  const candidateWord = p.candidate ? `v${p.candidate.version} (${p.candidate.percent}%)` : undefined;

  function prepare(kind: Kind): Pending | undefined {
    switch (kind) {
      case 'rollback': {
        const to = p.candidate ? p.stable! : target;
        if (to === undefined) return undefined;
        const after = p.candidate
          ? `${view} will serve ${stableWord} to everyone; the candidate ${candidateWord} is dropped and marked rolled back.`
          : `${view} will serve v${to} to everyone instead of ${stableWord}, which is marked rolled back.`;
        return { kind, after, send: () => api(path`/views/${view}/rollback`, { method: 'POST', body: { reason, expectedRevision: revision, ...(p.candidate ? {} : { toVersion: to }) } }) };
      }
      case 'promote':
        return {
          kind,
          after: `${view} will serve ${candidateWord ? `v${p.candidate!.version}` : '?'} to everyone (now ${stableWord}; ${stableWord} becomes the rollback target).`,
          send: () => api(path`/views/${view}/promote`, { method: 'POST', body: { expectedRevision: revision, ...(reason ? { reason } : {}) } }),
        };
      case 'disable':
      case 'enable':
        if (!feature) return undefined;
        return {
          kind,
          after:
            kind === 'disable'
              ? `${view} keeps serving ${stableWord}${candidateWord ? ` and ${candidateWord}` : ''}, with ${feature} served as its declared default (or null) on every arm.`
              : `${view} keeps serving ${stableWord}${candidateWord ? ` and ${candidateWord}` : ''}, with ${feature} served from its values again.`,
          send: () => api(path`/views/${view}/features/${feature}/${kind}`, { method: 'POST', body: { reason, expectedRevision: revision } }),
        };
      case 'approve':
        return {
          kind,
          after: `Nothing changes now: another person may then ${approveAction}${approveVersion ? ` v${approveVersion}` : ''}${feature && (approveAction === 'disable' || approveAction === 'enable') ? ` ${feature}` : ''} on ${view}; ${view} keeps serving ${stableWord}.`,
          send: () =>
            api(path`/views/${view}/approvals`, {
              method: 'POST',
              body: {
                action: approveAction,
                ...(approveVersion ? { version: approveVersion } : {}),
                ...(feature && (approveAction === 'disable' || approveAction === 'enable') ? { feature } : {}),
                ...(reason ? { reason } : {}),
              },
            }),
        };
    }
  }

  async function confirm() {
    if (!pending) return;
    setBusy(true);
    setError(undefined);
    try {
      await pending.send();
      setDone(`Done: ${pending.kind}. ${pending.after}`);
      setPending(undefined);
      setOpen(undefined);
      setReason('');
      onDone();
    } catch (e) {
      setError(asApiError(e));
      setPending(undefined);
    } finally {
      setBusy(false);
    }
  }

  const needsFeature = open === 'disable' || open === 'enable' || (open === 'approve' && (approveAction === 'disable' || approveAction === 'enable'));
  const featureChoices = open === 'enable' ? p.disabledFeatures : features;
  return (
    <section aria-labelledby="actions-h" class="actions" data-testid="actions">
      <h2 id="actions-h">Actions</h2>
      {done ? (
        <p class="notice" role="status" data-testid="action-done">
          {done}
        </p>
      ) : null}
      <ErrorBox error={error} />
      <div class="buttons">
        {kinds.map((k) => (
          <button key={k} type="button" data-action={k} aria-pressed={open === k} onClick={() => (setOpen(open === k ? undefined : k), setError(undefined), setDone(undefined))}>
            {k === 'rollback' ? 'Roll back' : k === 'disable' ? 'Disable a feature' : k === 'enable' ? 'Enable a feature' : k[0]!.toUpperCase() + k.slice(1)}
          </button>
        ))}
      </div>
      {open ? (
        <form
          class="action-form"
          onSubmit={(e) => {
            e.preventDefault();
            const next = prepare(open);
            if (next) setPending(next);
          }}
        >
          {open === 'rollback' && !p.candidate ? (
            <label>
              Target version{' '}
              <select name="target" value={target} onChange={(e) => setTarget(Number((e.target as HTMLSelectElement).value))}>
                {target === undefined ? <option value="">choose</option> : null}
                {data.versions
                  .filter((v) => v.version !== p.stable && v.outcome === 'ready')
                  .sort((a, b) => b.version - a.version)
                  .map((v) => (
                    <option key={v.version} value={v.version}>
                      v{v.version} ({v.status})
                    </option>
                  ))}
              </select>
            </label>
          ) : null}
          {open === 'approve' ? (
            <>
              <label>
                Approve{' '}
                <select name="approve-action" value={approveAction} onChange={(e) => setApproveAction((e.target as HTMLSelectElement).value as (typeof APPROVABLE)[number])}>
                  {APPROVABLE.map((a) => (
                    <option key={a} value={a}>
                      {a}
                    </option>
                  ))}
                </select>
              </label>{' '}
              <label>
                of version{' '}
                <select name="approve-version" value={approveVersion ?? ''} onChange={(e) => setApproveVersion(Number((e.target as HTMLSelectElement).value) || undefined)}>
                  <option value="">any</option>
                  {data.versions.map((v) => (
                    <option key={v.version} value={v.version}>
                      v{v.version}
                    </option>
                  ))}
                </select>
              </label>
            </>
          ) : null}
          {needsFeature ? (
            <label>
              Feature{' '}
              <select name="feature" value={feature} onChange={(e) => setFeature((e.target as HTMLSelectElement).value)}>
                <option value="">choose</option>
                {featureChoices.map((f) => (
                  <option key={f} value={f}>
                    {f}
                  </option>
                ))}
              </select>
            </label>
          ) : null}
          <label>
            Reason{' '}
            <input name="reason" value={reason} required={open !== 'promote' && open !== 'approve'} onInput={(e) => setReason((e.target as HTMLInputElement).value)} />
          </label>
          <button type="submit">Review…</button>
        </form>
      ) : null}
      {pending ? (
        <div role="dialog" aria-modal="true" aria-labelledby="confirm-h" class="dialog" data-testid="confirm">
          <h3 id="confirm-h">Confirm {pending.kind}</h3>
          <p data-testid="confirm-after">{pending.after}</p>
          {reason ? <p>Reason recorded: “{reason}”</p> : null}
          <button type="button" disabled={busy} onClick={() => void confirm()} data-testid="confirm-yes">
            Yes, {pending.kind}
          </button>{' '}
          <button type="button" class="secondary" onClick={() => setPending(undefined)}>
            Cancel
          </button>
        </div>
      ) : null}
    </section>
  );
}
