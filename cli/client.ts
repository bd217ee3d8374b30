/**
 * A typed client for Rewind's HTTP API (contract/routes.ts), over fetch. Request types come
 * from the zod contracts the server validates with; response types from the use cases that
 * produce them, imported as types only, so the client carries no server code.
 */
import type { viewRunbook } from '../core/runbook-view';
import type { DrillReport } from '../core/drills/report';
import type { z } from 'zod';
import type { ApprovalState } from '../core/approvals';
import type {
  ActivateRequest,
  ApprovalRequestSchema,
  DeployRequestSchema,
  FeatureSwitchRequest,
  PromoteRequest,
  PutPolicyRequestSchema,
  RepublishRequest,
  RollbackRequest,
} from '../core/requests';
import type { RepublishResult } from '../core/republish';
import type { DeployPlan, DeployResult } from '../core/deploy';
import type { JobStarted, JobView } from '../core/jobs';
import type { Approval, AuditEntry, Candidate, HistoryEntry, Pointer } from '../core/model';
import type { PolicyDocument } from '../core/access-policy';
import type { PolicyChangeResult, PolicyDifference, PolicyView, ProposalView } from '../core/access-policy-store';
import type { PointerChangeResult } from '../core/pointer-changes';
import type { AuditVerdict, VersionView } from '../core/queries';
import type { ServedFeatures } from '../core/serving';
import type { PointerAsOf, ServedAsOf } from '../core/time-travel';
import type { CreatedTrainingSet } from '../core/create-training-set';
import type { TrainingSetRequestSchema } from '../core/requests';
import type { BlastRadius } from '../core/blast-radius';
import type { Incident } from '../core/ports/incidents';
import type { modelLineage, sourceLineage, viewLineage } from '../core/lineage';

/** The deploy body as sent: the schema's input, so defaults (tier, consumers…) may be left out. */
export type DeployBody = z.input<typeof DeployRequestSchema>;
/** An approval as asked for: `action` defaults to activate, `expiresInSeconds` to a day. */
export type ApprovalBody = z.input<typeof ApprovalRequestSchema>;
export type PutPolicyBody = z.input<typeof PutPolicyRequestSchema>;
export type {
  ActivateRequest,
  Approval,
  ApprovalState,
  AuditEntry,
  AuditVerdict,
  Candidate,
  DeployPlan,
  DeployResult,
  FeatureSwitchRequest,
  HistoryEntry,
  Pointer,
  PointerChangeResult,
  PolicyChangeResult,
  PolicyDifference,
  PolicyDocument,
  PolicyView,
  ProposalView,
  PromoteRequest,
  RollbackRequest,
  ServedFeatures,
  VersionView,
};

export interface ViewSummary {
  view: string;
  stable: number | null;
  revision: number;
}

/** What POST /views/{view}/training-sets takes (timestampColumn defaults to `at`). */
export type TrainingSetRequestBody = z.input<typeof TrainingSetRequestSchema>;

export interface UploadTicket {
  uploadUrl: string;
  snapshotUri: string;
  expiresInSeconds: number;
}

export interface PurgeResult {
  view: string;
  version: number;
  deleted: number;
  auditId: string;
}

/** A purge answered 202: it runs as a job of kind `purge`. */
export interface PurgeJobStarted {
  view: string;
  version: number;
  job: JobView;
  auditId: string;
}

/** The error body every route answers with: `{ error: { code, message, field? } }`. */
export interface ApiErrorBody {
  code: string;
  message: string;
  field?: string;
  current?: unknown;
  /** 409 RecentlyServed: until when a server's cached pointer may still name the version. */
  readableUntil?: string;
  requestId?: string;
}

/** Rewind answered, and said no. */
export class RewindApiError extends Error {
  readonly code: string;
  readonly field?: string;
  readonly current?: unknown;
  constructor(
    readonly status: number,
    readonly body: ApiErrorBody,
    readonly request: string,
  ) {
    super(body.message);
    this.name = 'RewindApiError';
    this.code = body.code;
    if (body.field !== undefined) this.field = body.field;
    if (body.current !== undefined) this.current = body.current;
  }
}

/** Nothing answered at the URL (refused, reset, DNS, timeout). */
export class RewindUnreachableError extends Error {
  constructor(
    readonly url: string,
    options?: { cause?: unknown },
  ) {
    super(`cannot reach Rewind at ${url} (${reasonOf(options?.cause)}); is it running? \`npm start\` starts one locally`, options);
    this.name = 'RewindUnreachableError';
  }
}

export interface ClientOptions {
  /** Base URL, e.g. http://127.0.0.1:3000 (a trailing slash is fine). */
  url: string;
  token: string;
  /**
   * Per-request limit. A deploy answers once its rows are written online, which takes a
   * while for large views; Node's fetch (undici) also gives up on response headers after
   * 300 s, so a longer value would not help without an asynchronous deploy API.
   * @default 300000
   */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/**
 * @example
 * const rewind = new RewindClient({ url: 'http://127.0.0.1:3000', token });
 * const { pointer } = await rewind.getView('user_profile');
 */
export class RewindClient {
  readonly url: string;
  private readonly token: string;
  private readonly timeoutMs: number;
  private readonly fetch: typeof fetch;

  constructor(options: ClientOptions) {
    this.url = options.url.replace(/\/+$/, '');
    this.token = options.token;
    this.timeoutMs = options.timeoutMs ?? 300_000;
    this.fetch = options.fetch ?? globalThis.fetch;
  }

  listViews(): Promise<{ views: ViewSummary[] }> {
    return this.request('GET', '/views');
  }

  getView(view: string): Promise<{ view: string; pointer: Pointer }> {
    return this.request('GET', `/views/${seg(view)}`);
  }

  listVersions(view: string): Promise<{ view: string; versions: VersionView[] }> {
    return this.request('GET', `/views/${seg(view)}/versions`);
  }

  getVersion(view: string, version: number): Promise<VersionView & { online?: 'materialized' | 'purged' }> {
    return this.request('GET', `/views/${seg(view)}/versions/${version}`);
  }

  /** 201 with the deploy's result, or 202 with a job (`job` present) for a deploy that runs as one. */
  deploy(view: string, body: DeployBody): Promise<DeployResult & Partial<JobStarted>> {
    return this.request('POST', `/views/${seg(view)}/versions`, body);
  }

  getJob(id: string): Promise<JobView> {
    return this.request('GET', `/jobs/${seg(id)}`);
  }

  listJobs(view: string, limit?: number): Promise<{ view: string; jobs: JobView[] }> {
    return this.request('GET', `/views/${seg(view)}/jobs${query({ limit })}`);
  }

  cancelJob(id: string): Promise<JobView> {
    return this.request('POST', `/jobs/${seg(id)}/cancel`, {});
  }

  /** What deploying `body` would do (validation against the baseline); writes nothing. */
  plan(view: string, body: DeployBody): Promise<DeployPlan> {
    return this.request('POST', `/views/${seg(view)}/plan`, body);
  }

  activate(view: string, body: ActivateRequest): Promise<PointerChangeResult> {
    return this.request('POST', `/views/${seg(view)}/activate`, body);
  }

  rollback(view: string, body: RollbackRequest): Promise<PointerChangeResult> {
    return this.request('POST', `/views/${seg(view)}/rollback`, body);
  }

  /** Make the canary or shadow candidate stable for everyone. */
  promote(view: string, body: PromoteRequest = {}): Promise<PointerChangeResult> {
    return this.request('POST', `/views/${seg(view)}/promote`, body);
  }

  /** Kill switch: `disable` serves the feature as its declared default; `enable` serves its values again. */
  switchFeature(view: string, feature: string, to: 'disable' | 'enable', body: FeatureSwitchRequest): Promise<PointerChangeResult> {
    return this.request('POST', `/views/${seg(view)}/features/${seg(feature)}/${to}`, body);
  }

  approve(view: string, body: ApprovalBody): Promise<Approval & { auditId: string }> {
    return this.request('POST', `/views/${seg(view)}/approvals`, body);
  }

  approvals(view: string, limit?: number): Promise<{ view: string; approvals: ApprovalState[] }> {
    return this.request('GET', `/views/${seg(view)}/approvals${query({ limit })}`);
  }

  getPolicy(): Promise<PolicyView> {
    return this.request('GET', '/policy');
  }

  /** Proposes (202), or with `breakGlassReason` puts in force at once (200). */
  putPolicy(body: PutPolicyBody): Promise<PolicyChangeResult> {
    return this.request('PUT', '/policy', body);
  }

  policyProposals(limit?: number): Promise<{ proposals: ProposalView[] }> {
    return this.request('GET', `/policy/proposals${query({ limit })}`);
  }

  approvePolicy(id: string, body: { reason?: string }): Promise<PolicyView & { auditId: string; proposalId: string; proposedBy: string; changes: PolicyDifference[] }> {
    return this.request('POST', `/policy/proposals/${seg(id)}/approve`, body);
  }

  sourceLineage(uri: string): Promise<Awaited<ReturnType<typeof sourceLineage>>> {
    return this.request('GET', `/lineage/sources${query({ uri })}`);
  }

  viewLineage(view: string): Promise<Awaited<ReturnType<typeof viewLineage>>> {
    return this.request('GET', `/lineage/views/${seg(view)}`);
  }

  modelLineage(model: string): Promise<Awaited<ReturnType<typeof modelLineage>>> {
    return this.request('GET', `/lineage/models/${seg(model)}`);
  }

  revertSource(body: { uri?: string; checksum?: string; reason: string; dryRun?: boolean; breakGlassReason?: string }): Promise<Incident> {
    return this.request('POST', '/sources/revert', body);
  }

  incident(id: string): Promise<Incident> {
    return this.request('GET', `/incidents/${seg(id)}`);
  }

  blastRadius(view: string, version: number): Promise<BlastRadius> {
    return this.request('GET', `/views/${seg(view)}/versions/${version}/blast-radius`);
  }

  drills(): Promise<{ drills: DrillReport[] }> {
    return this.request('GET', '/drills');
  }

  drill(id: string): Promise<DrillReport> {
    return this.request('GET', `/drills/${seg(id)}`);
  }

  runbook(view: string): Promise<Awaited<ReturnType<typeof viewRunbook>>> {
    return this.request('GET', `/views/${seg(view)}/runbook`);
  }

  asOf(view: string, at: string): Promise<PointerAsOf> {
    return this.request('GET', `/views/${seg(view)}/as-of${query({ at })}`);
  }

  history(view: string, limit?: number): Promise<{ view: string; history: HistoryEntry[] }> {
    return this.request('GET', `/views/${seg(view)}/history${query({ limit })}`);
  }

  /** POST /views/{view}/training-sets: inline rows or a dataUri (an upload). 201 with the set, or 202 with a job (`job` present) for a large file or `async: true`. */
  trainingSet(view: string, body: TrainingSetRequestBody): Promise<CreatedTrainingSet | (JobStarted & { job: JobView })> {
    return this.request('POST', `/views/${seg(view)}/training-sets`, body);
  }

  /** GET /views/{view}/training-sets/{id}: a fresh download URL for a stored set. */
  trainingSetDownload(view: string, id: string): Promise<{ view: string; id: string; uri: string; bytes: number; downloadUrl: string; expiresInSeconds: number }> {
    return this.request('GET', `/views/${seg(view)}/training-sets/${seg(id)}`);
  }

  onlineAsOf(view: string, entity: string, at: string): Promise<ServedAsOf> {
    return this.request('GET', `/views/${seg(view)}/as-of/online/${seg(entity)}${query({ at })}`);
  }

  online(view: string, entity: string): Promise<ServedFeatures> {
    return this.request('GET', `/online/${seg(view)}/${seg(entity)}`);
  }

  audit(options: { view?: string; actor?: string; limit?: number } = {}): Promise<{ entries: AuditEntry[] }> {
    return this.request('GET', `/audit${query(options)}`);
  }

  /** POST /events/republish (admin): one page of a view's committed changes' events, published again. */
  republishEvents(body: RepublishRequest): Promise<RepublishResult> {
    return this.request('POST', '/events/republish', body);
  }

  verifyAudit(): Promise<AuditVerdict> {
    return this.request('GET', '/audit/verify');
  }

  /** 200 with the rows deleted, or 202 with a job (`job` present) for a purge that runs as one (a large version, or `async`). */
  purge(view: string, version: number, options: { async?: boolean } = {}): Promise<PurgeResult | PurgeJobStarted> {
    return this.request('DELETE', `/views/${seg(view)}/versions/${version}/online${query({ async: options.async === undefined ? undefined : String(options.async) })}`);
  }

  createUpload(fileName: string): Promise<UploadTicket> {
    return this.request('POST', '/uploads', { fileName });
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const label = `${method} ${path}`;
    let res: Response;
    try {
      res = await this.fetch(this.url + path, {
        method,
        headers: { authorization: `Bearer ${this.token}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (cause) {
      throw new RewindUnreachableError(this.url, { cause });
    }
    const text = await res.text();
    const parsed = text ? safeJson(text) : undefined;
    if (!res.ok) {
      const error = (parsed as { error?: ApiErrorBody } | undefined)?.error;
      throw new RewindApiError(res.status, error ?? { code: `Http${res.status}`, message: `${label} answered ${res.status} ${res.statusText}` }, label);
    }
    return parsed as T;
  }
}

/** fetch wraps the socket error: `TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } })`. */
function reasonOf(error: unknown): string {
  const e = error as { name?: string; message?: string; cause?: { code?: string; message?: string } } | undefined;
  if (e?.name === 'TimeoutError') return 'no answer in time';
  return e?.cause?.code ?? e?.cause?.message ?? e?.message ?? 'no answer';
}

/** A path segment: entity ids are user data and may hold anything. */
function seg(value: string): string {
  return encodeURIComponent(value);
}

function query(params: Record<string, string | number | undefined>): string {
  const entries = Object.entries(params).filter((e): e is [string, string | number] => e[1] !== undefined);
  return entries.length ? `?${new URLSearchParams(entries.map(([k, v]): [string, string] => [k, String(v)])).toString()}` : '';
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
