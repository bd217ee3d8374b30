/**
 * The ports core/ needs from the outside world. store/ implements them over DynamoDB and
 * S3; test/ has in-memory versions for unit tests.
 */
import type { FeatureRow } from './rows';
import type {
  Approval,
  ArtifactRef,
  AuditDraft,
  AuditEntry,
  ChainHead,
  FeatureValue,
  HistoryEntry,
  Materialization,
  Pointer,
  SnapshotRef,
  StoredPolicy,
  VersionRecord,
  ViewDefinition,
} from './model';

export interface PointerChange {
  /** The pointer as read; the write is conditioned on its revision (0: no pointer yet). */
  before: Pointer;
  after: Pointer;
  history: Omit<HistoryEntry, 'auditId'>;
  audit: AuditDraft;
  /** An approval this change relies on: marked used in the same transaction, and only if still unused. */
  useApproval?: Approval;
}

/** Which audit entries `Registry.listAudit` returns. */
export interface AuditFilter {
  view?: string;
  /** Exact match on `AuditEntry.actor`. */
  actor?: string;
  limit: number;
}

/** One audit chain as stored: its entries in seq order, and its head (absent on a chain written before heads existed). */
export interface AuditChain {
  chain: string;
  entries: AuditEntry[];
  head?: ChainHead;
}

export interface CommittedChange {
  pointer: Pointer;
  history: HistoryEntry;
  audit: AuditEntry;
}

export interface Registry {
  /** Atomically takes the next version number of a view, registering the view if new. */
  nextVersionNumber(view: string, at: string): Promise<number>;
  /** Writes a version record and its audit entry together; a record is never overwritten. */
  putVersion(record: VersionRecord, audit: AuditDraft): Promise<AuditEntry>;
  getVersion(view: string, version: number): Promise<VersionRecord | undefined>;
  listVersions(view: string): Promise<VersionRecord[]>;
  listViews(): Promise<string[]>;
  viewExists(view: string): Promise<boolean>;

  getMaterialization(view: string, version: number): Promise<Materialization | undefined>;
  putMaterialization(state: Materialization): Promise<void>;

  getPointer(view: string): Promise<Pointer | undefined>;
  /**
   * The only way a pointer changes: pointer (conditioned on `before.revision`), history and
   * audit entry in ONE transaction. Throws RevisionConflictError when the pointer moved.
   */
  commitPointerChange(change: PointerChange): Promise<CommittedChange>;
  history(view: string, limit: number): Promise<HistoryEntry[]>;

  /**
   * Appends to the draft's chain. Every append (here and inside the writes above) writes the
   * entry and the chain's head together, each under a condition, so concurrent appends neither
   * fork the chain nor leave the head behind it.
   */
  appendAudit(draft: AuditDraft): Promise<AuditEntry>;
  /**
   * Audit entries, newest first: one view's chain when `view` is given, else every chain
   * ordered by `at`. `actor` keeps only the entries whose actor is exactly that, and still
   * returns up to `limit` of them however many other entries are newer. Entries only: never a head.
   */
  listAudit(options: AuditFilter): Promise<AuditEntry[]>;
  /** Every chain with its head, entries in seq order; a head whose entries are all gone is a chain with none. */
  auditChains(): AsyncIterable<AuditChain>;

  /** The newest stored policy revision; undefined until someone stores one. */
  getPolicy(): Promise<StoredPolicy | undefined>;
  /**
   * Stores a new policy revision with its audit entry in one transaction. Revisions are never
   * overwritten: throws PolicyConflictError when `policy.revision` exists already.
   */
  putPolicy(policy: StoredPolicy, audit: AuditDraft): Promise<AuditEntry>;
  /** Stores an approval with its audit entry in one transaction. */
  putApproval(approval: Approval, audit: AuditDraft): Promise<AuditEntry>;
  /** A view's approvals, newest first. */
  listApprovals(view: string, limit: number): Promise<Approval[]>;
}

export interface OnlineStore {
  /** Writes rows under (view, version); returns the number written. */
  write(view: string, version: number, rows: readonly FeatureRow[], onProgress?: (written: number) => void): Promise<number>;
  get(view: string, version: number, entity: string): Promise<Record<string, FeatureValue> | undefined>;
  /** Deletes the rows of (view, version) for `entities` (read from the snapshot); returns how many. */
  purge(view: string, version: number, entities: readonly string[]): Promise<number>;
}

/** Raw records read from a data file, before they are checked against a definition. */
export interface SourceRecords {
  records: Record<string, unknown>[];
  /** Values are text (CSV) and need converting to the declared types. */
  fromText: boolean;
}

export interface SnapshotStore {
  /** Encodes rows as Parquet and stores them under a content-addressed key. */
  write(view: string, version: number, definition: ViewDefinition, rows: readonly FeatureRow[]): Promise<SnapshotRef>;
  /** Reads a snapshot back, refusing bytes whose sha256 differs from the reference. */
  read(ref: SnapshotRef, definition: ViewDefinition): Promise<FeatureRow[]>;
  /** Reads a user's data file (Parquet, JSON lines or CSV) from an s3:// URI. */
  readSource(uri: string): Promise<SourceRecords>;
  /** A short-lived URL to PUT a data file to, and the s3:// URI it will have. */
  createUpload(fileName: string): Promise<{ uploadUrl: string; snapshotUri: string; expiresInSeconds: number }>;
  /** Stores a JSON document next to a version's snapshot under a content-addressed key. */
  putDocument(view: string, version: number, name: string, document: unknown): Promise<ArtifactRef>;
  /** Reads a document back, refusing bytes whose sha256 differs from the reference. */
  getDocument<T>(ref: ArtifactRef): Promise<T>;
}

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
