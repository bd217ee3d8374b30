/**
 * Escalation with context: the one notice a person gets for an automatic rollback, a failed
 * verification or a failed drill, carrying what they need to act without opening five pages:
 * the view, the versions from/to, the alarm and its reason, the models that consume the view,
 * its sources, the blast radius of the version rolled back (when it can be read), and links to
 * the history and audit entries. Built here (pure but for the reads it is handed); sent through
 * the Notifier port (core/notifier.ts), whose adapters never fail their caller.
 */
import { blastRadius } from './blast-radius';
import type { Deps } from './deps';
import type { MeasurementLog } from './measurements';
import type { HistoryEntry } from './model';
import type { Notice } from './notifier';

export const ALARM_ACTOR_PREFIX = 'system:alarm/';

export interface EscalationContext {
  view: string;
  revision: number;
  action: string;
  actor: string;
  at: string;
  fromVersion: number | null;
  toVersion: number | null;
  automatic: boolean;
  alarm?: { name: string; reason: string };
  reason?: string;
  models: string[];
  sources: { uri: string; checksum?: string }[];
  blastRadius?: { windows: number; servedSince?: string; requestsSampled: number; consumers: string[]; artifacts: string[] };
  /** API paths (relative to the API's URL) and the audit entry's id. */
  links: { history: string; audit: string; auditId: string; runbook: string; blastRadius?: string };
}

/** The alarm that rolled back, from the entry's actor (`system:alarm/<name>`) and reason (`<name>: <reason>`). */
export function alarmOf(entry: Pick<HistoryEntry, 'actor' | 'reason'>): { name: string; reason: string } | undefined {
  if (!entry.actor.startsWith(ALARM_ACTOR_PREFIX)) return undefined;
  const name = entry.actor.slice(ALARM_ACTOR_PREFIX.length);
  const reason = entry.reason?.startsWith(`${name}: `) ? entry.reason.slice(name.length + 2) : (entry.reason ?? '');
  return { name, reason };
}

/**
 * The context of one rollback. The models and sources are those of the version rolled back
 * (what the bad night touched) and the restored one together; the blast radius is read
 * best-effort (a failure leaves it out: the page must still go).
 */
export async function escalationContext(deps: Pick<Deps, 'catalog' | 'pointers'>, entry: HistoryEntry, measurements?: MeasurementLog, now = new Date()): Promise<EscalationContext> {
  const versions = [entry.fromVersion, entry.toVersion].filter((v): v is number => v !== null);
  const records = (await Promise.all(versions.map((v) => deps.catalog.getVersion(entry.view, v).catch(() => undefined)))).filter((r) => r !== undefined);
  const models = [...new Set(records.flatMap((r) => r.consumers))];
  const sources = [...new Map(records.flatMap((r) => r.sources).map((s) => [`${s.uri}#${s.checksum ?? ''}`, { uri: s.uri, ...(s.checksum ? { checksum: s.checksum } : {}) }])).values()];
  let radius: EscalationContext['blastRadius'];
  if (entry.fromVersion !== null) {
    try {
      const r = await blastRadius(deps, measurements, entry.view, entry.fromVersion, now);
      const since = r.windows.at(-1)?.from;
      radius = { windows: r.windows.length, ...(since ? { servedSince: since } : {}), requestsSampled: r.requests.sampled, consumers: r.consumers.map((c) => c.model), artifacts: r.artifacts.map((a) => `${a.kind} ${a.name}`) };
    } catch {
      // Unknown blast radius: said by its absence.
    }
  }
  const alarm = alarmOf(entry);
  const view = encodeURIComponent(entry.view);
  return {
    view: entry.view,
    revision: entry.revision,
    action: entry.action,
    actor: entry.actor,
    at: entry.at,
    fromVersion: entry.fromVersion,
    toVersion: entry.toVersion,
    automatic: alarm !== undefined,
    ...(alarm ? { alarm } : {}),
    ...(entry.reason ? { reason: entry.reason } : {}),
    models,
    sources,
    ...(radius ? { blastRadius: radius } : {}),
    links: {
      history: `/views/${view}/history`,
      audit: `/audit?view=${view}`,
      auditId: entry.auditId,
      runbook: `/views/${view}/runbook`,
      ...(entry.fromVersion !== null ? { blastRadius: `/views/${view}/versions/${entry.fromVersion}/blast-radius` } : {}),
    },
  };
}

/** The notice of an automatic rollback or of a failed verification, with its context. */
export function escalationNotice(kind: 'auto-rollback' | 'verification-failed', c: EscalationContext, failed?: string): Notice {
  const versions = `v${c.fromVersion ?? '?'} → v${c.toVersion ?? '?'}`;
  const summary =
    kind === 'auto-rollback'
      ? `${c.view} rolled back automatically ${versions} by ${c.alarm?.name ?? c.actor}: ${c.alarm?.reason ?? c.reason ?? ''} (models: ${c.models.join(', ') || 'none'})`
      : `${c.view}: the restored v${c.toVersion ?? '?'} failed its verification after the rollback ${versions} (${failed ?? 'see the follow-up'}); a person must look`;
  return {
    kind,
    view: c.view,
    ...(c.toVersion !== null ? { version: c.toVersion } : {}),
    summary: summary.slice(0, 1000),
    ...(c.alarm ? { alarmName: c.alarm.name } : {}),
    key: `${kind}#${c.view}#${c.revision}`,
    context: c as unknown as Record<string, unknown>,
  };
}
