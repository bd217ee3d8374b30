/**
 * What each `rewind` command does, apart from argument parsing (main.ts): call the API,
 * then describe the answer twice, as data for `--json` and as text for a person. The demo
 * and the tests call these directly.
 */
import { checklistMarkdown } from '../core/runbook';
import { ROLES } from '../core/access-policy';
import { blastRadiusMarkdown } from '../core/blast-radius';
import { DEFAULT_TOKEN_LIFETIME, jwtSecret, mintToken } from '../contract/local-tokens';
import { RewindApiError, type ActivateRequest, type AuditEntry, type Candidate, type DeployResult, type HistoryEntry, type PointerChangeResult, type PurgeJobStarted, type PurgeResult, type RewindClient, type ServedFeatures, type VersionView } from './client';
import type { JobView } from '../core/jobs';
import { UsageError } from './errors';
import { deployFromFiles, planFromFiles, type DeliveredAs, type DeployedFromFiles, type DeployFromFilesOptions, type PlannedFromFiles } from './deploy';
import { bytes, cell, keyValues, ms, table, version, when } from './format';

export interface Output {
  /** Printed as JSON with --json. */
  data: unknown;
  /** Printed otherwise. */
  text: string;
  /** Non-zero when the command worked but the answer is bad news (a broken audit chain). */
  exitCode?: number;
}

export interface FollowOptions {
  /** Print the job id and return instead of following a job. */
  noWait?: boolean;
  /** Where the job's progress line goes (stderr); absent: no progress shown. */
  onProgress?: (line: string) => void;
  /** Every read of the job (the terminal's progress bar, cli/job-progress.ts). */
  onJob?: (job: JobView) => void;
  /** Between two reads of the job. @default 1000 */
  pollMs?: number;
  /** Stops following (Ctrl-C): the job goes on, and the answer says how to follow or cancel it. */
  signal?: AbortSignal;
}

export async function deploy(client: RewindClient, options: DeployFromFilesOptions & { plan?: boolean } & FollowOptions): Promise<Output> {
  if (options.plan) {
    const planned = await planFromFiles(client, options);
    return { data: planned.plan, text: describePlan(planned), ...(planned.plan.wouldBe === 'rejected' ? { exitCode: 1 } : {}) };
  }
  const deployed = await deployFromFiles(client, options);
  // 202: the deploy runs as a job. Follow it (Ctrl-C stops following, never the job) or hand back its id.
  const job = deployed.result.job;
  if (job) {
    if (options.noWait)
      return { data: deployed.result, text: `deploying ${deployed.view} v${deployed.result.version} as job ${job.id} (follow it: rewind jobs show ${job.id})` };
    const ended = await followJob(client, job.id, options);
    if (!JOB_ENDED.includes(ended.status))
      // Ctrl-C: following stops, never the job; 130 is a shell's exit status for an interrupt.
      return { data: ended, text: `stopped following job ${job.id} (${ended.status}, ${ended.rows.written} rows written): it goes on. Follow it: rewind jobs show ${job.id}; stop it: rewind jobs cancel ${job.id}`, exitCode: 130 };
    return { data: ended, text: describeJob(ended), ...(ended.status === 'succeeded' && ended.result?.status !== 'rejected' ? {} : { exitCode: 1 }) };
  }
  const rejected = deployed.result.status === 'rejected';
  return { data: deployed.result, text: describeDeploy(deployed), ...(rejected ? { exitCode: 1 } : {}) };
}

export function describeDeploy({ view, result, data }: DeployedFromFiles): string {
  const head =
    result.status === 'rejected'
      ? `${view} v${result.version} was deployed but REJECTED by preflight validation: it can never be activated`
      : result.activation
        ? `deployed ${view} v${result.version} and activated it (revision ${result.activation.pointer.revision}, was ${version(result.activation.fromVersion)})`
        : `deployed ${view} v${result.version} (not served yet: rewind activate ${view} ${result.version})`;
  const lines: [string, string][] = [
    ['data', describeDelivery(data)],
    ['snapshot', `${result.snapshot.uri} (${result.snapshot.rows} rows, ${bytes(result.snapshot.bytes)})`],
    ['online', result.materialized?.rows ? `${result.materialized.rows} rows written in ${ms(result.materialized.ms)}` : 'nothing written'],
  ];
  return withValidation(head, lines, result.validation);
}

export function describePlan({ view, plan, data }: PlannedFromFiles): string {
  const verdict =
    plan.wouldBe === 'rejected' ? 'would be REJECTED by preflight validation' : plan.wouldBe === 'active' ? 'would be deployed and activated' : 'would be deployed';
  return withValidation(`plan for ${view}: ${plan.rows} rows; the version ${verdict} (nothing was written)`, [['data', describeDelivery(data)]], plan.validation);
}

function describeDelivery(data: DeliveredAs): string {
  if (data.kind === 'inline') return `${data.file}: ${data.rows} rows sent inline (${bytes(data.bytes)})`;
  if (data.kind === 'upload') return `${data.file}: uploaded ${bytes(data.bytes)} in ${ms(data.ms)}`;
  return 'rows from the view file';
}

type ValidationReport = DeployResult['validation'];

/** Preflight's verdict in one line: the status, what it compared with, how many findings. */
export function validationSummary(report: ValidationReport | undefined): string | undefined {
  if (!report) return undefined;
  const against = report.baseline ? `against ${version(report.baseline.version)}${report.baseline.pinned ? ' (pinned)' : ''}` : 'no baseline (first version)';
  const counts = report.summary ? `: ${plural(report.summary.blocking, 'blocking finding', 'blocking findings')}, ${plural(report.summary.warnings, 'warning', 'warnings')}` : '';
  return `${report.status}, ${against}${counts}`;
}

/** One row per finding, blocking first as the server orders them; the full report is in `--json`. */
export function validationFindings(report: ValidationReport | undefined, max = 12): string {
  const findings = report?.findings ?? [];
  if (!findings.length) return '';
  const shown = findings.slice(0, max);
  const rows = shown.map((f) => [
    f.level,
    f.feature,
    f.check,
    f.value,
    f.threshold,
    [f.consumers?.length ? `breaks ${f.consumers.join(', ')}` : '', f.downgraded ? `not blocking: ${f.downgraded === 'minValues' ? 'too few values' : 'policy warns only'}` : '']
      .filter(Boolean)
      .join('; '),
  ]);
  const more = findings.length > shown.length ? `\n… ${findings.length - shown.length} more (--json shows them all)` : '';
  return table(['LEVEL', 'FEATURE', 'CHECK', 'VALUE', 'LIMIT', 'NOTE'], rows) + more;
}

function withValidation(head: string, lines: [string, string][], report: ValidationReport | undefined): string {
  const summary = validationSummary(report);
  const all: [string, string][] = summary ? [...lines, ['validation', summary]] : lines;
  const findings = validationFindings(report);
  return [head, indent(keyValues(all)), findings && indent(indent(findings))].filter(Boolean).join('\n');
}

export interface ActivateOptions {
  expectedRevision?: number;
  reason?: string;
  /** Serve the version to this percent of entities (a canary) instead of everyone. */
  canary?: number;
  /** Serve it to nobody: computed for the drift monitor only (blue/green). */
  shadow?: boolean;
  /** Canary or shadow: promote automatically after this many seconds with no alarm. */
  bake?: number;
}

/**
 * The activate request the command line asks for: all at once by default, a canary with
 * --canary, a shadow with --shadow. Contradictions are usage errors, found before sending.
 *
 * @example activationRequest(3, { canary: 10, bake: 3600 }) // { version: 3, strategy: 'canary', percent: 10, bakeSeconds: 3600 }
 */
export function activationRequest(versionNumber: number, options: ActivateOptions = {}): ActivateRequest {
  if (options.canary !== undefined && options.shadow) throw new UsageError('--canary and --shadow: choose one (a canary serves some entities, a shadow none)');
  const strategy = options.canary !== undefined ? 'canary' : options.shadow ? 'shadow' : 'all-at-once';
  if (options.bake !== undefined && strategy === 'all-at-once') throw new UsageError('--bake: only a canary (--canary <percent>) or a shadow (--shadow) bakes');
  return {
    version: versionNumber,
    ...(strategy !== 'all-at-once' ? { strategy } : {}),
    ...(options.canary !== undefined ? { percent: options.canary } : {}),
    ...(options.bake !== undefined ? { bakeSeconds: options.bake } : {}),
    ...(options.expectedRevision !== undefined ? { expectedRevision: options.expectedRevision } : {}),
    ...(options.reason !== undefined ? { reason: options.reason } : {}),
  };
}

export async function activate(client: RewindClient, view: string, versionNumber: number, options: ActivateOptions = {}): Promise<Output> {
  const result = await client.activate(view, activationRequest(versionNumber, options));
  return { data: result, text: describePointerChange(result) };
}

export async function rollback(
  client: RewindClient,
  view: string,
  options: { to?: number; reason: string; expectedRevision?: number; breakGlass?: string },
): Promise<Output> {
  const result = await client.rollback(view, {
    reason: options.reason,
    ...(options.to !== undefined ? { toVersion: options.to } : {}),
    ...(options.expectedRevision !== undefined ? { expectedRevision: options.expectedRevision } : {}),
    ...(options.breakGlass !== undefined ? { breakGlassReason: options.breakGlass } : {}),
  });
  return { data: result, text: describePointerChange(result) };
}

export async function promote(client: RewindClient, view: string, options: { reason?: string; expectedRevision?: number } = {}): Promise<Output> {
  const result = await client.promote(view, {
    ...(options.reason !== undefined ? { reason: options.reason } : {}),
    ...(options.expectedRevision !== undefined ? { expectedRevision: options.expectedRevision } : {}),
  });
  return { data: result, text: describePointerChange(result) };
}

/** Kill switch: `disable` serves one feature as its declared default, `enable` its values again. */
export async function switchFeature(
  client: RewindClient,
  view: string,
  feature: string,
  to: 'disable' | 'enable',
  options: { reason: string; expectedRevision?: number; breakGlass?: string },
): Promise<Output> {
  const result = await client.switchFeature(view, feature, to, {
    reason: options.reason,
    ...(options.expectedRevision !== undefined ? { expectedRevision: options.expectedRevision } : {}),
    ...(options.breakGlass !== undefined ? { breakGlassReason: options.breakGlass } : {}),
  });
  return { data: result, text: describePointerChange(result) };
}

export function describePointerChange(result: PointerChangeResult): string {
  const { view, pointer } = result;
  const at = `revision ${pointer.revision}, audit ${result.auditId ?? '-'}`;
  if (!result.changed) {
    if (result.feature) return `${view}.${result.feature} is already ${result.action}d; nothing changed (revision ${pointer.revision})`;
    if (result.action === 'canary' || result.action === 'shadow')
      return `${view} already runs this ${result.action} of ${version(result.toVersion)}; nothing changed (revision ${pointer.revision})`;
    return `${view} already serves ${version(result.toVersion)}; nothing changed (revision ${pointer.revision})`;
  }
  const lines = [headline(result, at)];
  if (result.rematerialized) lines.push(`  re-materialized ${version(result.toVersion)} from its snapshot first: ${cell(result.rematerialized)}`);
  const bake = bakeLine(pointer.candidate);
  if (bake && (result.action === 'canary' || result.action === 'shadow')) lines.push(`  ${bake}`);
  if (result.approvalId) lines.push(`  used approval ${result.approvalId}`);
  if (result.breakGlass) lines.push('  break-glass: made without an approval; recorded as such in history and audit');
  if (!result.feature && pointer.disabledFeatures.length) lines.push(`  still disabled: ${pointer.disabledFeatures.join(', ')} (rewind enable ${view} <feature> --reason …)`);
  if (result.artifacts?.length) lines.push(`  artifacts: ${result.artifacts.map((a) => `${a.name} ${a.status}${a.detail ? ` (${a.detail})` : ''}`).join(', ')}`);
  return lines.join('\n');
}

function headline(result: PointerChangeResult, at: string): string {
  const { view, pointer, fromVersion, toVersion } = result;
  switch (result.action) {
    case 'canary':
      return `canary of ${view} ${version(toVersion)}: ${pointer.candidate?.percent ?? '?'}% of entities get it, the rest stay on ${version(pointer.stable)} (${at})`;
    case 'shadow':
      return `shadow of ${view} ${version(toVersion)}: computed for the drift monitor only, everyone stays on ${version(pointer.stable)} (${at})`;
    case 'promote':
      return `promoted ${view}: ${version(fromVersion)} → ${version(toVersion)} for everyone (${at})`;
    case 'disable':
      return `disabled ${view}.${result.feature}: served as its declared default from now on (${at})`;
    case 'enable':
      return `enabled ${view}.${result.feature}: its values are served again (${at})`;
    case 'rollback':
      return `rolled back ${view}: ${version(fromVersion)} → ${version(toVersion)} (${at})`;
    default:
      return `activated ${view}: ${version(fromVersion)} → ${version(toVersion)} (${at})`;
  }
}

/** `bakes 3600 s: promoted automatically from … if no alarm fires`, or undefined when it does not bake. */
function bakeLine(candidate: Candidate | null | undefined): string | undefined {
  if (!candidate?.bakeSeconds) return undefined;
  const due = new Date(Date.parse(candidate.startedAt) + candidate.bakeSeconds * 1000);
  const dueText = Number.isNaN(due.getTime()) ? '' : ` from ${when(due.toISOString())}`;
  return `bakes ${candidate.bakeSeconds} s: promoted automatically${dueText} if no alarm about the view fires`;
}

/** One line for a trial: `candidate  v2, canary on 10% of entities · bakes … · started … by …`. */
export function describeCandidate(candidate: Candidate): string {
  const how = candidate.strategy === 'canary' ? `canary on ${candidate.percent}% of entities` : 'shadow (served to nobody; the drift monitor sees it)';
  return [`${version(candidate.version)}, ${how}`, bakeLine(candidate) ?? 'no bake: promote or roll back by hand', `started ${when(candidate.startedAt)} by ${candidate.startedBy}`]
    .filter(Boolean)
    .join(' · ');
}

export async function status(client: RewindClient, view?: string): Promise<Output> {
  if (!view) {
    const { views } = await client.listViews();
    const text = views.length
      ? table(['VIEW', 'SERVING', 'REVISION'], views.map((v) => [v.view, version(v.stable), v.revision]), { alignRight: ['REVISION'] })
      : 'no views yet: rewind deploy <view-file> --data <file>';
    return { data: { views }, text };
  }
  const [{ pointer }, { versions }] = await Promise.all([client.getView(view), client.listVersions(view)]);
  const head = [
    `${view}: ${pointer.stable === null ? 'serves nothing yet' : `serving ${version(pointer.stable)}`} · revision ${pointer.revision}` +
      (pointer.revision > 0 ? ` · changed ${when(pointer.updatedAt)} by ${pointer.updatedBy}` : ''),
  ];
  if (pointer.candidate) head.push(`candidate: ${describeCandidate(pointer.candidate)}`);
  if (pointer.disabledFeatures.length) head.push(`disabled features: ${pointer.disabledFeatures.join(', ')} (served as their defaults)`);
  return { data: { view, pointer, versions }, text: `${head.join('\n')}\n\n${versionsTable(versions)}` };
}

export function versionsTable(versions: readonly VersionView[]): string {
  if (!versions.length) return 'no versions';
  return table(
    ['VERSION', 'STATUS', 'ROWS', 'CREATED', 'BY', 'CONSUMERS', 'CHANGELOG'],
    [...versions]
      .sort((a, b) => a.version - b.version)
      .map((v) => [v.version, v.status, v.snapshot.rows, when(v.createdAt), v.createdBy, v.consumers.join(', '), v.changelog]),
    { alignRight: ['VERSION', 'ROWS'] },
  );
}

/** `rewind lineage source|view|model <name>`: the lineage graph around one node, as tables. */
export async function lineage(client: RewindClient, kind: 'source' | 'view' | 'model', name: string): Promise<Output> {
  const served = (s: string | null) => s ?? '-';
  if (kind === 'source') {
    const l = await client.sourceLineage(name);
    if (!l.versions.length) return { data: l, text: `no version read ${name}` };
    const rows = table(['VIEW', 'VERSION', 'SERVED', 'CHECKSUM', 'MODELS'], l.versions.map((v) => [v.view, version(v.version), served(v.served), v.checksum ?? '-', v.consumers.join(', ') || '-']));
    return { data: l, text: `${rows}\nserved now feeds: ${l.models.join(', ') || 'no model'}` };
  }
  if (kind === 'view') {
    const l = await client.viewLineage(name);
    const rows = table(
      ['VERSION', 'SERVED', 'SOURCES', 'TRANSFORMATION', 'MODELS'],
      l.versions.map((v) => [version(v.version), served(v.served), v.upstream.sources.map((s) => s.uri).join(', ') || '-', v.upstream.transformation ? `${v.upstream.transformation.kind} ${v.upstream.transformation.ref}` : '-', v.downstream.models.join(', ') || '-']),
    );
    return { data: l, text: rows };
  }
  const l = await client.modelLineage(name);
  if (!l.versions.length) return { data: l, text: `no version names ${name} as a consumer` };
  const rows = table(['VIEW', 'VERSION', 'SERVED', 'SOURCES'], l.versions.map((v) => [v.view, version(v.version), served(v.served), v.sources.map((s) => s.uri).join(', ') || '-']));
  return { data: l, text: rows };
}

/** `rewind blast-radius <view> <version>`: the incident-review report, as Markdown (the route's `?format=md` rendering). */
export async function blastRadiusReport(client: RewindClient, view: string, versionNumber: number): Promise<Output> {
  const report = await client.blastRadius(view, versionNumber);
  return { data: report, text: blastRadiusMarkdown(report).trimEnd() };
}

/** `rewind runbook <view>`: the view's runbook as a checklist, with today's facts and the commands to type. */
export async function runbook(client: RewindClient, view: string): Promise<Output> {
  const checklist = await client.runbook(view);
  const verification = checklist.verification ? `\nlatest rollback (revision ${checklist.verification.revision}): ${checklist.verification.status}${checklist.verification.awaitingAck ? ', awaiting acknowledgement' : ''}` : '';
  return { data: checklist, text: `${checklistMarkdown(checklist).trimEnd()}${verification}` };
}

/** `rewind as-of <view> <time>`: what the pointer was then, set by which change, naming which versions. */
export async function asOf(client: RewindClient, view: string, at: string): Promise<Output> {
  const result = await client.asOf(view, at);
  const { pointer, setBy } = result;
  if (!pointer || !setBy) return { data: result, text: `${view} at ${at}: deployed, but nothing was served yet (never activated by then)` };
  const candidate = pointer.candidate ? ` · candidate ${version(pointer.candidate.version)} (${pointer.candidate.strategy}${pointer.candidate.percent === undefined ? '' : ` ${pointer.candidate.percent}%`})` : '';
  const lines = [
    `${view} at ${at}: serving ${version(pointer.stable)}${candidate} · revision ${pointer.revision}`,
    `  set by ${setBy.action}${setBy.feature ? ` ${setBy.feature}` : ''} at ${setBy.at} by ${setBy.actor}${setBy.reason ? `: ${setBy.reason}` : ''}`,
  ];
  if (pointer.disabledFeatures.length) lines.push(`  disabled: ${pointer.disabledFeatures.join(', ')} (served as their defaults)`);
  for (const record of result.versions) lines.push(`  ${version(record.version)}: deployed ${record.createdAt} by ${record.createdBy}, snapshot ${record.snapshot.sha256.slice(0, 12)}… (${record.snapshot.rows} rows)`);
  lines.push(`  (servers with a cached pointer may have served the previous state for up to ${result.servingCacheMs} ms after ${setBy.at})`);
  return { data: result, text: lines.join('\n') };
}

export async function history(client: RewindClient, view: string, limit?: number): Promise<Output> {
  const result = await client.history(view, limit);
  return { data: result, text: result.history.length ? historyTable(result.history) : `${view} has no pointer changes yet` };
}

export function historyTable(entries: readonly HistoryEntry[]): string {
  return table(
    ['REV', 'AT', 'ACTION', 'FROM', 'TO', 'ACTOR', 'REASON'],
    entries.map((h) => [h.revision, when(h.at), h.feature ? `${h.action} ${h.feature}` : h.action, version(h.fromVersion), version(h.toVersion), h.actor, h.reason]),
    { alignRight: ['REV'] },
  );
}

export async function get(client: RewindClient, view: string, entity: string, at?: string): Promise<Output> {
  if (at !== undefined) {
    const past = await client.onlineAsOf(view, entity, at);
    return { data: past, text: `${describeServed(past)}\n  (as served at ${past.at}, pointer revision ${past.revision}; values read from the ${past.servedFrom === 'online' ? 'online store' : 'verified snapshot'})` };
  }
  const served = await client.online(view, entity);
  return { data: served, text: describeServed(served) };
}

export function describeServed(served: ServedFeatures): string {
  const disabled = new Set(served.disabled ?? []);
  const arm = served.arm ? ` (${served.arm} arm)` : '';
  const head = `${served.view}/${served.entity} from ${version(served.version)}${arm}${served.found ? '' : ' (no row for this entity: declared defaults)'}`;
  const rows = Object.entries(served.features).map(([name, value]) => [name, cell(value) + (disabled.has(name) ? '  (disabled: default)' : '')] as const);
  // A switched-off feature the served version no longer declares still deserves a mention.
  const undeclared = [...disabled].filter((name) => !(name in served.features));
  const tail = undeclared.length ? `\n  (also disabled: ${undeclared.join(', ')})` : '';
  return `${head}\n${indent(keyValues(rows))}${tail}`;
}

export async function auditVerify(client: RewindClient): Promise<Output> {
  const verdict = await client.verifyAudit();
  const chains = (verdict as { chains?: number }).chains;
  const scope = `${plural(verdict.entries, 'entry', 'entries')}${chains !== undefined ? ` in ${plural(chains, 'chain', 'chains')}` : ''}`;
  // `problems` and `unanchored` are absent from servers older than chain heads.
  const unanchored = verdict.unanchored?.length ?? 0;
  const note = unanchored ? ` (${plural(unanchored, 'chain', 'chains')} written before chain heads, not yet anchored: truncation there is not detectable)` : '';
  if (verdict.ok) return { data: verdict, text: `audit log ok: ${scope} verified${note}` };
  const bad = verdict.firstBadEntry;
  const more = (verdict.problems ?? []).slice(1).map((p) => `\n  also ${p.id}: ${p.detail}`);
  return { data: verdict, text: `audit log BROKEN: ${bad ? `${bad.id}: ${bad.reason}` : 'verification failed'} (${scope} checked)${more.join('')}`, exitCode: 1 };
}

export async function auditList(client: RewindClient, options: { view?: string; actor?: string; limit?: number } = {}): Promise<Output> {
  const { entries } = await client.audit(options);
  return { data: { entries }, text: entries.length ? auditTable(entries) : 'no audit entries' };
}

export function auditTable(entries: readonly AuditEntry[]): string {
  return table(
    ['ID', 'AT', 'ACTOR', 'ACTION', 'OUTCOME', 'DETAIL'],
    entries.map((e) => [e.id, when(e.at), e.actor, e.action, e.outcome, e.reason ?? summarizeDetail(e.detail)]),
    { maxCellWidth: 60 },
  );
}

function summarizeDetail(detail: Record<string, unknown> | undefined): string | undefined {
  if (!detail) return undefined;
  if (typeof detail.toVersion === 'number') return `${version(detail.fromVersion as number | null)} → ${version(detail.toVersion)}`;
  if (typeof detail.version === 'number') return `v${detail.version}${typeof detail.rows === 'number' ? `, ${detail.rows} rows` : ''}`;
  return undefined;
}

/** Most pages `events republish` asks for in one run: 50 × 200 revisions; past that, run it again from where it stopped. */
const REPUBLISH_PAGES = 50;

/**
 * `rewind events republish`: the events of a view's changes from `fromRevision` (to
 * `toRevision`, default its newest) published again, page after page as the server cuts them.
 */
export async function eventsRepublish(client: RewindClient, options: { view: string; fromRevision: number; toRevision?: number }): Promise<Output> {
  const events: string[] = [];
  let from = options.fromRevision;
  let last = from;
  for (let page = 0; page < REPUBLISH_PAGES; page++) {
    const result = await client.republishEvents({ view: options.view, fromRevision: from, ...(options.toRevision !== undefined ? { toRevision: options.toRevision } : {}) });
    events.push(...result.events);
    last = result.toRevision;
    if (result.nextRevision === undefined) {
      const data = { view: options.view, fromRevision: options.fromRevision, toRevision: last, republished: events.length, events };
      return { data, text: `republished ${plural(events.length, 'event', 'events')} of ${options.view} revisions ${options.fromRevision}..${last} (consumers deduplicate on detail.eventId)` };
    }
    from = result.nextRevision;
  }
  const data = { view: options.view, fromRevision: options.fromRevision, toRevision: last, republished: events.length, events, nextRevision: from };
  return { data, text: `republished ${plural(events.length, 'event', 'events')} of ${options.view} revisions ${options.fromRevision}..${last}; more remain: rewind events republish --view ${options.view} --from-revision ${from}`, exitCode: 1 };
}

const JOB_ENDED = ['succeeded', 'failed', 'cancelled'];

/** Reads the job until it ends, one progress line per read: rows written, rows/s, ETA. */
export async function followJob(client: RewindClient, id: string, options: FollowOptions = {}): Promise<JobView> {
  for (;;) {
    const job = await client.getJob(id);
    options.onProgress?.(progressLine(job));
    options.onJob?.(job);
    if (JOB_ENDED.includes(job.status) || options.signal?.aborted) return job;
    // The poll interval of a follower, not a test's synchronization; an abort cuts it short.
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, options.pollMs ?? 1000);
      function done() {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', done);
        resolve();
      }
      options.signal?.addEventListener('abort', done, { once: true });
    });
  }
}

export function progressLine(job: JobView): string {
  const total = job.rows.total;
  const eta = job.rowsPerSecond && total ? ` ETA ${ms(((total - job.rows.written) / job.rowsPerSecond) * 1000)}` : '';
  const read = job.phase === 'validating' && job.rows.validated ? `, ${job.rows.validated} rows read` : '';
  return `job ${job.id} ${job.status} (${job.phase}${read}): ${job.rows.written}${total === null ? '' : `/${total}`} rows, chunks ${job.chunks.done}/${job.chunks.total}${job.rowsPerSecond ? `, ${job.rowsPerSecond} rows/s` : ''}${job.status === 'running' ? eta : ''}`;
}

/** What a failed job of each kind leaves behind. */
const FAILED_LEAVES: Record<JobView['kind'], string> = {
  deploy: 'nothing was recorded',
  purge: 'the version stays `purging` (never served); rewind purge runs it again',
  'training-set': 'no training set was stored',
};

/** The view and, for a deploy or a purge, the version a job is about. */
const jobSubject = (job: Pick<JobView, 'view' | 'version'>) => (job.version === null ? job.view : `${job.view} v${job.version}`);

export function describeJob(job: JobView): string {
  const kind = job.kind ?? 'deploy';
  const head =
    job.status === 'succeeded'
      ? `job ${job.id}: ${kind === 'deploy' ? '' : `${kind} of `}${jobSubject(job)} ${job.result?.status ?? 'deployed'}${job.result?.activationError ? ` (activation refused: ${job.result.activationError.message})` : ''}`
      : job.status === 'failed'
        ? `job ${job.id} FAILED: ${job.error?.error.message ?? 'no message'}${job.error?.error.field ? ` (field ${job.error.error.field})` : ''}; ${FAILED_LEAVES[kind]}`
        : `job ${job.id} ${job.status}`;
  return keyValues([
    ['job', head],
    ['kind', kind],
    ['view', jobSubject(job)],
    ['progress', progressLine(job)],
    ['started', job.startedAt],
    ['updated', job.updatedAt],
  ]);
}

export async function jobsShow(client: RewindClient, id: string): Promise<Output> {
  const job = await client.getJob(id);
  return { data: job, text: describeJob(job) };
}

export async function jobsList(client: RewindClient, view: string, limit?: number): Promise<Output> {
  const { jobs } = await client.listJobs(view, limit);
  return {
    data: { view, jobs },
    text: jobs.length
      ? table(['job', 'kind', 'version', 'status', 'phase', 'rows', 'rows/s', 'started'], jobs.map((j) => [j.id, j.kind ?? 'deploy', j.version === null ? '-' : `v${j.version}`, j.status, j.phase, `${j.rows.written}/${j.rows.total ?? '?'}`, j.rowsPerSecond ?? '', j.startedAt]))
      : `no jobs for ${view}`,
  };
}

export async function jobsCancel(client: RewindClient, id: string): Promise<Output> {
  const job = await client.cancelJob(id);
  const leaves = job.kind === 'training-set' ? 'no training set is stored' : 'its online rows are deleted and no version is recorded';
  return { data: job, text: `job ${id} is ${job.status}: ${leaves} (rewind jobs show ${id})` };
}

/** How many times `purge --wait` waits out a RecentlyServed answer (each wait is at most one cache bound). */
const PURGE_WAITS = 5;

export async function purge(client: RewindClient, view: string, versionNumber: number, options: { wait?: boolean; async?: boolean } & FollowOptions = {}): Promise<Output> {
  let result: PurgeResult | PurgeJobStarted;
  for (let waits = 0; ; waits++) {
    try {
      result = await client.purge(view, versionNumber, options.async !== undefined ? { async: options.async } : {});
      break;
    } catch (error) {
      // The server says until when a cached pointer may still name the version: wait that long.
      const until = error instanceof RewindApiError && error.code === 'RecentlyServed' ? Date.parse(String(error.body.readableUntil)) : NaN;
      if (!options.wait || Number.isNaN(until) || waits >= PURGE_WAITS) throw error;
      await new Promise((r) => setTimeout(r, Math.max(0, until - Date.now()) + 50));
    }
  }
  // 202: a large version is purged as a job, followed like a deploy's (Ctrl-C stops following, never the job).
  if ('job' in result) {
    const { job } = result;
    if (options.noWait) return { data: result, text: `purging ${view} v${versionNumber} as job ${job.id} (follow it: rewind jobs show ${job.id}; audit ${result.auditId})` };
    const ended = await followJob(client, job.id, options);
    if (!JOB_ENDED.includes(ended.status))
      return { data: ended, text: `stopped following job ${job.id} (${ended.status}, ${ended.rows.written} rows deleted): it goes on (a purge job cannot be cancelled). Follow it: rewind jobs show ${job.id}`, exitCode: 130 };
    if (ended.status !== 'succeeded') return { data: ended, text: describeJob(ended), exitCode: 1 };
    return { data: ended, text: `purged the online values of ${view} v${versionNumber}: ${ended.result?.deleted ?? ended.rows.written} rows deleted by job ${job.id} (snapshot kept; a rollback to it re-materializes; audit ${result.auditId})` };
  }
  return {
    data: result,
    text: `purged the online values of ${view} v${versionNumber}: ${result.deleted} rows deleted (snapshot kept; a rollback to it re-materializes; audit ${result.auditId})`,
  };
}

export interface TokenOptions {
  sub: string;
  roles: string[];
  mfa?: boolean;
  expires?: string;
}

/** A token for the LOCAL runtime, signed with REWIND_JWT_SECRET or the development default. */
export async function token(env: NodeJS.ProcessEnv, options: TokenOptions): Promise<Output> {
  const unknown = options.roles.filter((r) => !(ROLES as readonly string[]).includes(r));
  if (!options.roles.length) throw new UsageError(`--roles: give at least one of ${ROLES.join(', ')}`);
  if (unknown.length) throw new UsageError(`--roles: unknown role '${unknown[0]}' (roles: ${ROLES.join(', ')})`);
  const expiresIn = options.expires ?? DEFAULT_TOKEN_LIFETIME;
  if (!/^\d+\s?(s|sec|secs|second|seconds|m|min|mins|minute|minutes|h|hr|hrs|hour|hours|d|day|days|w|week|weeks)$/i.test(expiresIn))
    throw new UsageError(`--expires: '${expiresIn}' is not a duration such as 30m, 12h or 7d`);
  const minted = await mintToken(jwtSecret(env).secret, { sub: options.sub, roles: options.roles, mfa: options.mfa ?? false, expiresIn });
  return { data: { token: minted, sub: options.sub, roles: options.roles, mfa: options.mfa ?? false, expiresIn }, text: minted };
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}
