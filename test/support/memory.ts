/**
 * In-memory adapters for the core ports, for fast unit tests of the use cases. They keep
 * the contract the DynamoDB adapters keep: immutable version records, pointer writes
 * conditioned on revision, audit entries placed on their chain by seq, each chain's head moved
 * with every entry.
 */
import { createHash } from 'node:crypto';
import { appendToChain, chainFor } from '../../core/audit-chain';
import type { Deps } from '../../core/deps';
import { InvalidStateError, PolicyConflictError, RevisionConflictError, ValidationError } from '../../core/errors';
import { NotMaterializedError, PurgeInterruptedError } from '../../core/materialize';
import { PolicySupersededError } from '../../core/authorization';
import type { Approval, AuditDraft, AuditEntry, ChainHead, FeatureValue, HistoryEntry, Materialization, MaterializationState, Pointer, PolicyProposal, SnapshotRef, StoredPolicy, VersionRecord } from '../../core/model';
import type {
  AppliedProposal,
  AuditChain,
  AuditFilter,
  AuditLog,
  ChainEnd,
  CommittedChange,
  Governance,
  OnlineKey,
  OnlineStore,
  PointerChange,
  PointerLog,
  PurgeStart,
  SnapshotStore,
  TrainingSetTable,
  SourceRecords,
  VersionCatalog,
} from '../../core/ports';
import type { FeatureRow } from '../../core/rows';

/**
 * The audit chains, shared by every memory port that appends (as the DynamoDB adapters share
 * one ChainAppendWriter). A test may edit or delete entries, as someone with the table could.
 */
export class MemoryAuditLog implements AuditLog {
  /** Entries by chain, in seq order. */
  readonly chains = new Map<string, AuditEntry[]>();
  /**
   * Heads by chain (in DynamoDB, each in its own partition: auditHeadPartition(chain)); a chain
   * with entries and no head is one written before heads existed. A test may push entries onto
   * `chains` without moving the head, as the release before heads does.
   */
  readonly heads = new Map<string, ChainHead>();

  async appendAudit(draft: AuditDraft, at = new Date().toISOString()): Promise<AuditEntry> {
    return this.append(draft, at);
  }
  async chainEnd(view: string | undefined): Promise<ChainEnd> {
    const chain = chainFor(view);
    const head = this.heads.get(chain);
    const newest = this.chains.get(chain)?.at(-1);
    return { ...(head ? { head: structuredClone(head) } : {}), ...(newest ? { newest: structuredClone(newest) } : {}) };
  }
  /**
   * Like the DynamoDB writer's: read the end of the chain (its head and its newest entry;
   * `appendToChain` follows the head, or the newest entry when there is no head or entries go
   * on beyond it, as entries written by the release before heads do), or take the end read
   * ahead, let other work run, then, only if the entry's seq is still free and the head has not
   * moved, run `commit` (the caller's checks, which may throw, then its writes) and place the
   * entry and the head, all without yielding: one transaction. A lost race reads the end again.
   */
  async append(draft: AuditDraft, at: string, commit: (entry: AuditEntry) => void = () => undefined, readAhead?: ChainEnd): Promise<AuditEntry> {
    const chain = chainFor(draft.view);
    let end = readAhead;
    for (;;) {
      const { head, newest } = end ?? { head: this.heads.get(chain), newest: this.chains.get(chain)?.at(-1) };
      end = undefined;
      const append = appendToChain(chain, head, newest, draft, at);
      await Promise.resolve();
      const entries = this.chains.get(chain) ?? [];
      if (entries.some((e) => e.seq === append.entry.seq) || this.heads.get(chain)?.seq !== append.expectedHeadSeq) continue;
      commit(append.entry);
      this.chains.set(chain, [...entries, append.entry].sort((a, b) => a.seq - b.seq));
      this.heads.set(chain, append.head);
      return append.entry;
    }
  }
  async listAudit(options: AuditFilter) {
    const all = options.view ? (this.chains.get(chainFor(options.view)) ?? []) : [...this.chains.values()].flat();
    const matching = options.actor === undefined ? all : all.filter((e) => e.actor === options.actor);
    return [...matching].reverse().slice(0, options.limit);
  }
  async *auditChains(): AsyncIterable<AuditChain> {
    for (const chain of new Set([...this.chains.keys(), ...this.heads.keys()])) {
      const head = this.heads.get(chain);
      yield { chain, entries: this.chains.get(chain) ?? [], ...(head ? { head } : {}) };
    }
  }
}

export class MemoryCatalog implements VersionCatalog {
  readonly versions = new Map<string, VersionRecord>();
  readonly counters = new Map<string, number>();
  readonly materializations = new Map<string, Materialization>();
  constructor(private readonly audit: MemoryAuditLog) {}

  async nextVersionNumber(view: string): Promise<number> {
    const next = (this.counters.get(view) ?? 0) + 1;
    this.counters.set(view, next);
    return next;
  }
  async putVersion(record: VersionRecord, draft: AuditDraft): Promise<AuditEntry> {
    const key = `${record.view}#${record.version}`;
    return this.audit.append(draft, new Date().toISOString(), () => {
      if (this.versions.has(key)) throw new Error(`version ${key} exists`);
      this.versions.set(key, structuredClone(record));
    });
  }
  async getVersion(view: string, version: number) {
    return structuredClone(this.versions.get(`${view}#${version}`));
  }
  async listVersions(view: string) {
    return [...this.versions.values()].filter((v) => v.view === view).sort((a, b) => a.version - b.version);
  }
  /** As the DynamoDB catalog: a view is listed from its first record, not from a number taken. */
  async listViews() {
    return [...new Set([...this.versions.values()].map((r) => r.view))].sort();
  }
  async viewExists(view: string) {
    return [...this.versions.values()].some((r) => r.view === view);
  }
  async getMaterialization(view: string, version: number) {
    return this.materializations.get(`${view}#${version}`);
  }
  /** The id of each version's latest claim, as the DynamoDB adapter keeps it on the state item. */
  private readonly claims = new Map<string, string>();
  private claimsMade = 0;
  async claimMaterialization(view: string, version: number, at: string) {
    await Promise.resolve(); // let other work run before the write, as a round trip would
    const claim = `claim-${++this.claimsMade}`;
    if (!this.transition(view, version, at, 'materializing', 0, (s) => s !== 'materialized')) return undefined;
    this.claims.set(`${view}#${version}`, claim);
    return claim;
  }
  async markMaterialized(view: string, version: number, rows: number, at: string, claim: string) {
    await Promise.resolve();
    const latest = this.claims.get(`${view}#${version}`);
    return this.transition(view, version, at, 'materialized', rows, (s) => s === 'materialized' || (s === 'materializing' && latest === claim));
  }
  async markPurged(view: string, version: number, at: string) {
    await Promise.resolve();
    return this.transition(view, version, at, 'purged', 0, (s) => s === 'purging');
  }
  /** The conditional write of the DynamoDB adapter: checked and written without yielding. */
  transition(view: string, version: number, at: string, to: MaterializationState, rows: number | undefined, allowed: (from: MaterializationState | undefined) => boolean): boolean {
    const key = `${view}#${version}`;
    const current = this.materializations.get(key);
    if (!allowed(current?.state)) return false;
    this.materializations.set(key, { view, version, state: to, rows: rows ?? current?.rows ?? 0, updatedAt: at });
    return true;
  }
  stateOf(view: string, version: number): MaterializationState | undefined {
    return this.materializations.get(`${view}#${version}`)?.state;
  }
}

export class MemoryGovernance implements Governance {
  readonly policies: StoredPolicy[] = [];
  readonly approvals: Approval[] = [];
  readonly proposals: PolicyProposal[] = [];
  policyReads = 0;
  constructor(private readonly audit: MemoryAuditLog) {}

  async getPolicy() {
    this.policyReads++;
    return structuredClone(this.policies.at(-1));
  }
  async putPolicy(policy: StoredPolicy, draft: AuditDraft, applies?: AppliedProposal) {
    return this.audit.append(draft, policy.updatedAt, () => {
      const current = this.policies.at(-1)?.revision ?? 0;
      const proposal = applies && this.proposals.find((p) => p.id === applies.id);
      if (applies && (!proposal || proposal.applied)) throw new InvalidStateError(`policy proposal '${applies.id}' was applied by another approval meanwhile`);
      if (policy.revision !== current + 1) throw new PolicyConflictError(policy.revision - 1, current);
      this.policies.push(structuredClone(policy));
      if (proposal) proposal.applied = structuredClone(applies!.applied);
    });
  }
  async putPolicyProposal(proposal: PolicyProposal, draft: AuditDraft) {
    return this.audit.append(draft, proposal.proposedAt, () => {
      this.proposals.push(structuredClone(proposal));
    });
  }
  async getPolicyProposal(id: string) {
    return structuredClone(this.proposals.find((p) => p.id === id));
  }
  async listPolicyProposals(limit: number) {
    return structuredClone([...this.proposals].sort((a, b) => (a.id < b.id ? 1 : -1)).slice(0, limit));
  }
  async putApproval(approval: Approval, draft: AuditDraft) {
    return this.audit.append(draft, approval.at, () => {
      this.approvals.push(structuredClone(approval));
    });
  }
  async listApprovals(view: string, limit: number) {
    return structuredClone(this.approvals.filter((a) => a.view === view).sort((a, b) => (a.id < b.id ? 1 : -1)).slice(0, limit));
  }
}

export class MemoryPointerLog implements PointerLog {
  /** Pointers by view. */
  readonly byView = new Map<string, Pointer>();
  readonly historyEntries: HistoryEntry[] = [];
  pointerReads = 0;
  constructor(
    private readonly audit: MemoryAuditLog,
    /** Approvals are used up, and the policy revision judged by is checked, in the pointer change's transaction, as in DynamoDB. */
    private readonly governance: MemoryGovernance,
    /** Materialization states are checked in the pointer change's transaction, as in DynamoDB. */
    private readonly catalog: MemoryCatalog,
  ) {}

  async getPointer(view: string) {
    this.pointerReads++;
    return structuredClone(this.byView.get(view));
  }
  async commitPointerChange(change: PointerChange): Promise<CommittedChange> {
    let history!: HistoryEntry;
    const commit = (entry: AuditEntry) => {
      // The policy first, as the DynamoDB adapter reads a cancelled transaction.
      if (change.policyRevision !== undefined && (this.governance.policies.at(-1)?.revision ?? 0) !== change.policyRevision)
        throw new PolicySupersededError(change.before.view, change.policyRevision);
      const current = this.byView.get(change.before.view);
      if ((current?.revision ?? 0) !== change.before.revision)
        throw new RevisionConflictError(change.before.view, change.before.revision, current?.revision ?? 0, current);
      const unmaterialized = change.served.filter((v) => this.catalog.stateOf(change.before.view, v) !== 'materialized');
      if (unmaterialized.length) throw new NotMaterializedError(change.before.view, unmaterialized);
      const approval = change.useApproval && this.governance.approvals.find((a) => a.view === change.useApproval!.view && a.id === change.useApproval!.id);
      if (change.useApproval && (!approval || approval.usedAt)) throw new InvalidStateError(`approval ${change.useApproval.id} was used by another change meanwhile`);
      if (approval) Object.assign(approval, { usedAt: change.history.at, usedBy: change.history.actor, usedRevision: change.after.revision });
      history = { ...change.history, auditId: entry.id };
      this.byView.set(change.after.view, structuredClone(change.after));
      this.historyEntries.push(history);
    };
    const audit = await this.audit.append(change.audit, change.history.at, commit, change.chainEnd);
    return { pointer: change.after, history, audit };
  }
  async beginPurge(start: PurgeStart): Promise<AuditEntry> {
    const { view, version } = start;
    return this.audit.append(start.audit, start.at, () => {
      const pointer = this.byView.get(view);
      if ((pointer?.revision ?? 0) !== start.revision || pointer?.stable === version || pointer?.candidate?.version === version)
        throw new InvalidStateError(`the pointer of '${view}' changed while the purge of version ${version} was starting (it may serve it now); nothing was purged: try again`);
      this.catalog.transition(view, version, start.at, 'purging', undefined, () => true);
    });
  }
  async historyEntry(view: string, revision: number) {
    return structuredClone(this.historyEntries.find((h) => h.view === view && h.revision === revision));
  }
  async history(view: string, limit: number) {
    return this.historyEntries.filter((h) => h.view === view).reverse().slice(0, limit);
  }
  async historyRange(view: string, from: number, to: number) {
    return structuredClone(this.historyEntries.filter((h) => h.view === view && h.revision >= from && h.revision <= to).sort((a, b) => a.revision - b.revision));
  }
}

const MEMORY_PURGE_BATCH = 99;

export class MemoryOnlineStore implements OnlineStore {
  readonly rows = new Map<string, Record<string, FeatureValue>>();
  reads = 0;
  /** Purge batches are fenced on the version being `purging`, as the DynamoDB adapter's transactions are. */
  constructor(private readonly catalog?: MemoryCatalog) {}
  async write(view: string, version: number, rows: readonly FeatureRow[]) {
    for (const r of rows) this.rows.set(`${view}#${version}#${r.entity}`, { ...r.values });
    return rows.length;
  }
  async get(view: string, version: number, entity: string) {
    this.reads++;
    return this.rows.get(`${view}#${version}#${entity}`);
  }
  /** Counted as one read, as the DynamoDB adapter makes one BatchGetItem of up to 100 keys. */
  async getMany(view: string, keys: readonly OnlineKey[]) {
    this.reads++;
    return keys.map(({ version, entity }) => this.rows.get(`${view}#${version}#${entity}`));
  }
  async purge(view: string, version: number, entities: readonly string[]) {
    let n = 0;
    for (let start = 0; start < entities.length; start += MEMORY_PURGE_BATCH) {
      // Between batches other work runs (a rebuild may claim the version), as between round trips.
      await Promise.resolve();
      if (this.catalog && this.catalog.stateOf(view, version) !== 'purging') throw new PurgeInterruptedError(view, version);
      for (const entity of entities.slice(start, start + MEMORY_PURGE_BATCH)) if (this.rows.delete(`${view}#${version}#${entity}`)) n++;
    }
    return n;
  }
}

export class MemorySnapshotStore implements SnapshotStore {
  readonly objects = new Map<string, string>();
  readonly sources = new Map<string, SourceRecords>();
  async write(view: string, version: number, _definition: unknown, rows: readonly FeatureRow[]): Promise<SnapshotRef> {
    const body = JSON.stringify(rows);
    const sha256 = createHash('sha256').update(body).digest('hex');
    const uri = `s3://memory/snapshots/${view}/v${version}/${sha256}.json`;
    this.objects.set(uri, body);
    return { uri, sha256, rows: rows.length, bytes: body.length, format: 'parquet' };
  }
  async read(ref: SnapshotRef) {
    return JSON.parse(this.objects.get(ref.uri)!) as FeatureRow[];
  }
  /** Snapshots read here, whole (the S3 adapter's row-group reads are tested against s3rver). */
  snapshotReads = 0;
  async lookup(ref: SnapshotRef, _definition: unknown, entities: readonly string[]) {
    this.snapshotReads++;
    const wanted = new Set(entities);
    return new Map((await this.read(ref)).filter((r) => wanted.has(r.entity)).map((r) => [r.entity, r.values] as const));
  }
  readonly trainingSets = new Map<string, TrainingSetTable>();
  async putTrainingSet(view: string, table: TrainingSetTable) {
    const body = JSON.stringify(table);
    const sha256 = createHash('sha256').update(body).digest('hex');
    const uri = `s3://memory/training-sets/${view}/${sha256}.parquet`;
    this.trainingSets.set(uri, structuredClone(table));
    return { id: sha256, uri, sha256, bytes: body.length };
  }
  async trainingSetDownload(view: string, id: string) {
    const uri = `s3://memory/training-sets/${view}/${id}.parquet`;
    const table = this.trainingSets.get(uri);
    return table ? { uri, bytes: JSON.stringify(table).length, downloadUrl: `memory://${uri.slice(5)}`, expiresInSeconds: 900 } : undefined;
  }
  async readSource(uri: string, _view: string) {
    // The own-bucket rule (another view's snapshot refused) is store/s3-snapshots.ts's, tested against s3rver.
    const source = this.sources.get(uri);
    if (!source) throw new ValidationError('snapshotUri', `no object at ${uri}`);
    return source;
  }
  async createUpload(fileName: string) {
    return { uploadUrl: `memory://${fileName}`, snapshotUri: `s3://memory/uploads/${fileName}`, expiresInSeconds: 900 };
  }
  async putDocument(view: string, version: number, name: string, document: unknown) {
    const body = JSON.stringify(document);
    const sha256 = createHash('sha256').update(body).digest('hex');
    const uri = `s3://memory/snapshots/${view}/v${version}/${name}-${sha256}.json`;
    this.objects.set(uri, body);
    return { uri, sha256, bytes: body.length };
  }
  async getDocument<T>(ref: { uri: string }): Promise<T> {
    return JSON.parse(this.objects.get(ref.uri)!) as T;
  }
}

export function memoryDeps(now = () => new Date('2026-11-25T12:00:00Z')) {
  const audit = new MemoryAuditLog();
  const governance = new MemoryGovernance(audit);
  const catalog = new MemoryCatalog(audit);
  const deps = {
    catalog,
    pointers: new MemoryPointerLog(audit, governance, catalog),
    audit,
    governance,
    online: new MemoryOnlineStore(catalog),
    snapshots: new MemorySnapshotStore(),
    clock: { now },
  };
  return deps satisfies Deps;
}
