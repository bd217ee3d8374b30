/** Versions deployed and every pointer change, newest first, as the API reports them. */
import type { HistoryEntry, VersionView } from '../types';
import { when } from './common';

function describe(e: HistoryEntry): string {
  const to = e.toVersion == null ? '' : `v${e.toVersion}`;
  const from = e.fromVersion == null ? '' : `v${e.fromVersion}`;
  switch (e.action) {
    case 'disable':
    case 'enable':
      return `${e.action} feature ${e.feature ?? '?'}`;
    default:
      return from && to && from !== to ? `${e.action}: ${from} → ${to}` : `${e.action} ${to || from}`;
  }
}

export function Timeline({ history, versions }: { history: HistoryEntry[]; versions: VersionView[] }) {
  const items = [
    ...history.map((e) => ({ at: e.at, key: `r${e.revision}`, change: e as HistoryEntry | undefined, version: undefined as VersionView | undefined })),
    ...versions.map((v) => ({ at: v.createdAt, key: `v${v.version}`, change: undefined, version: v })),
  ].sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
  if (items.length === 0) return <p class="muted">Nothing deployed yet.</p>;
  return (
    <ol class="timeline" data-testid="timeline">
      {items.map((item) =>
        item.change ? (
          <li key={item.key} class={`change ${item.change.action}`} data-kind="change" data-revision={item.change.revision}>
            <time dateTime={item.at}>{when(item.at)}</time> <strong>{describe(item.change)}</strong> by {item.change.actor}
            {item.change.breakGlass ? ' (break-glass)' : ''} <span class="muted">revision {item.change.revision}</span>
            {item.change.reason ? <div class="reason">“{item.change.reason}”</div> : null}
          </li>
        ) : (
          <li key={item.key} class="deploy" data-kind="deploy" data-version={item.version!.version}>
            <time dateTime={item.at}>{when(item.at)}</time> <strong>deployed v{item.version!.version}</strong> by {item.version!.createdBy} ({item.version!.outcome}
            {item.version!.validation ? `, validation ${item.version!.validation.status}` : ''})
            {item.version!.changelog ? <div class="reason">“{item.version!.changelog}”</div> : null}
          </li>
        ),
      )}
    </ol>
  );
}
