/**
 * The one description of Rewind's DynamoDB tables. The CDK stack (infra/) and the local
 * runtime (local/) both build their tables from this list, so the two cannot drift apart.
 */
export type AttributeType = 'S' | 'N';

export interface KeyAttribute {
  name: string;
  type: AttributeType;
}

export interface GlobalIndex {
  indexName: string;
  partitionKey: KeyAttribute;
  sortKey?: KeyAttribute;
}

export interface TableSpec {
  /** Logical id, also the suffix of the physical name and of the environment variable. */
  id: 'versions' | 'pointers' | 'history' | 'audit' | 'online' | 'samples' | 'idempotency' | 'refusals' | 'jobs' | 'followups' | 'drills' | 'incidents';
  /** Environment variable that carries the physical table name to every function. */
  envVar: string;
  partitionKey: KeyAttribute;
  sortKey?: KeyAttribute;
  globalIndexes?: GlobalIndex[];
  /** Streams are the outbox: a committed pointer change (or deploy) is never without its event. */
  stream?: 'NEW_IMAGE';
  /** Attribute holding an epoch-seconds expiry; DynamoDB's TTL deletes the item after it. */
  ttlAttribute?: string;
  /**
   * The functions (file names under functions/) that use this table, and so the only ones
   * that get its environment variable and a grant. Absent: every function uses it.
   */
  usedBy?: readonly string[];
  purpose: string;
}

export const VIEW_CATALOG_INDEX = 'by-catalog';
/** A view's deploy jobs, newest first (only job records carry `view`, so the index is sparse). */
export const JOBS_BY_VIEW_INDEX = 'by-view';

/** The functions that read or write deploy jobs (contract/tables.ts `usedBy` of `jobs`). */
export const JOB_STEP_HANDLERS = ['jobs/validate', 'jobs/plan', 'jobs/materialize-chunk', 'jobs/finalize', 'jobs/fail'] as const;

/**
 * Each audit chain's head item lives in a partition of its own, `${chain}${AUDIT_HEAD_SUFFIX}`
 * (a chain name is `global` or `view:<identifier>`, and identifiers have no `#`, so no chain
 * is ever called that), at `seq` AUDIT_HEAD_SEQ. Never in the chain's partition: the release
 * before heads reads the newest item of that partition as the chain's newest entry, and must
 * keep working after a rollback of the functions (or during a rolling deploy).
 */
export const AUDIT_HEAD_SUFFIX = '#head';
export const AUDIT_HEAD_SEQ = 1;

/** The partition of `chain`'s head item. */
export function auditHeadPartition(chain: string): string {
  return `${chain}${AUDIT_HEAD_SUFFIX}`;
}

/** Whether an audit item's partition (`chain`) is a head's rather than a chain's. */
export function isAuditHeadPartition(chain: unknown): boolean {
  return typeof chain === 'string' && chain.endsWith(AUDIT_HEAD_SUFFIX);
}

export const TABLES: readonly TableSpec[] = [
  {
    id: 'versions',
    envVar: 'REWIND_VERSIONS_TABLE',
    partitionKey: { name: 'view', type: 'S' },
    sortKey: { name: 'sk', type: 'S' },
    // Only the per-view catalog item carries `catalog`, so this index is sparse: listing
    // views reads one item per view, never the versions.
    globalIndexes: [
      {
        indexName: VIEW_CATALOG_INDEX,
        partitionKey: { name: 'catalog', type: 'S' },
        sortKey: { name: 'view', type: 'S' },
      },
    ],
    // Its stream is the deploys' outbox: a version record's INSERT is its OpenLineage run (contract/openlineage.ts).
    stream: 'NEW_IMAGE',
    purpose: 'immutable version records, the per-view version counter, materialization state; its stream carries the deploys\' OpenLineage events',
  },
  {
    id: 'pointers',
    envVar: 'REWIND_POINTERS_TABLE',
    partitionKey: { name: 'view', type: 'S' },
    purpose: 'one item per view: what is served, with a revision counter',
  },
  {
    id: 'history',
    envVar: 'REWIND_HISTORY_TABLE',
    partitionKey: { name: 'view', type: 'S' },
    sortKey: { name: 'revision', type: 'N' },
    stream: 'NEW_IMAGE',
    purpose: 'one entry per pointer change; its stream is the event outbox',
  },
  {
    id: 'audit',
    envVar: 'REWIND_AUDIT_TABLE',
    partitionKey: { name: 'chain', type: 'S' },
    // Entries at (chain, seq 1, 2, …); each chain's head at (auditHeadPartition(chain), AUDIT_HEAD_SEQ).
    sortKey: { name: 'seq', type: 'N' },
    purpose: 'hash-chained audit log, one chain per view plus a global chain, each with a head item naming its newest entry',
  },
  {
    id: 'online',
    envVar: 'REWIND_ONLINE_TABLE',
    // pk = `${view}#${version}#${entity}`. One partition key per row, not per version: a
    // version's rows spread over every partition, so materializing 100k rows is not held to
    // one partition's write limit (1,000 WCU/s), and DynamoDB Local writes them faster too.
    partitionKey: { name: 'pk', type: 'S' },
    purpose: 'online feature values keyed by (view, version, entity)',
  },
  {
    id: 'samples',
    envVar: 'REWIND_SAMPLES_TABLE',
    // pk = `${view}#${version}`, sk = `${flushedAt ISO}#${writer}#${seq}`: the drift monitor
    // reads one version's recent batches with a single Query on a time range. The monitor's
    // measurement records live beside them (pk `M#${view}#${version}`), read by alarm-rollback;
    // the bake check reads a candidate's batches for its evidence.
    partitionKey: { name: 'pk', type: 'S' },
    sortKey: { name: 'sk', type: 'S' },
    ttlAttribute: 'expiresAt',
    usedBy: ['get-online', 'get-online-batch', 'drift-monitor', 'alarm-rollback', 'promote-canaries', 'get-blast-radius', 'after-rollback', 'rollback', 'revert-source'],
    purpose: 'bounded batches of sampled served values per (view, version), read by the drift monitor',
  },
  {
    id: 'idempotency',
    envVar: 'REWIND_IDEMPOTENCY_TABLE',
    // The layout Powertools' DynamoDBPersistenceLayer expects by default.
    partitionKey: { name: 'id', type: 'S' },
    ttlAttribute: 'expiration',
    usedBy: ['alarm-rollback', 'after-rollback'],
    purpose: 'Powertools idempotency records: one alarm transition rolls back once; one rollback is followed up (runbook, escalation) once',
  },
  {
    id: 'refusals',
    envVar: 'REWIND_REFUSALS_TABLE',
    // pk = `${view or *}#${shard}` (one refusal, sk `${at}#${uuid}`) or `${view or *}#agg` (a
    // principal's flood folded per minute, sk `${minute}#agg#${actor}`): store/dynamo-refusal-log.ts.
    // Apart from the audit table so that refusals never contend with a view's chain head.
    partitionKey: { name: 'pk', type: 'S' },
    sortKey: { name: 'sk', type: 'S' },
    purpose: 'append-only log of refused requests (403), apart from the audit chains, aggregated per principal and minute under flood',
  },
  {
    id: 'jobs',
    envVar: 'REWIND_JOBS_TABLE',
    // (job, sk `JOB`): the job record (status, phase, counters, the materialization claim);
    // (job, sk `C#<index>`): one item per completed chunk, written in the same transaction
    // as the counters' increment, so a chunk is counted once however often it is retried
    // and a restarted runner resumes from the chunks that have no item (store/dynamo-jobs.ts).
    partitionKey: { name: 'job', type: 'S' },
    sortKey: { name: 'sk', type: 'S' },
    globalIndexes: [{ indexName: JOBS_BY_VIEW_INDEX, partitionKey: { name: 'view', type: 'S' }, sortKey: { name: 'startedAt', type: 'S' } }],
    usedBy: ['deploy-version', 'purge-version', 'create-training-set', 'get-job', 'list-jobs', 'cancel-job', ...JOB_STEP_HANDLERS],
    // Its stream carries the OpenLineage FAIL/ABORT of a deploy job that ended without a version.
    stream: 'NEW_IMAGE',
    purpose: 'asynchronous deploy jobs (materialization in chunks): status, phase, progress, and one item per completed chunk',
  },
  {
    id: 'followups',
    envVar: 'REWIND_FOLLOWUPS_TABLE',
    // (view, revision): what the runbook found after the rollback at that history revision,
    // written once (attribute_not_exists) by after-rollback. Beside the history, not in it: history
    // and audit entries are never updated (least privilege), and the outbox publishes history INSERTs only.
    partitionKey: { name: 'view', type: 'S' },
    sortKey: { name: 'revision', type: 'N' },
    usedBy: ['after-rollback', 'get-history', 'get-view', 'get-runbook'],
    purpose: "each rollback's follow-up: the runbook's step outcomes, the verification status and the notices sent",
  },
  {
    id: 'drills',
    envVar: 'REWIND_DRILLS_TABLE',
    // pk `drill`, sk the drill id (`d<yyyymmddhhmmss>-<hex>`, so newest first is one Query); the
    // report is a few kilobytes (its latency series is bucketed), far under an item's 400 KB.
    partitionKey: { name: 'pk', type: 'S' },
    sortKey: { name: 'id', type: 'S' },
    usedBy: ['put-drill', 'list-drills', 'get-drill'],
    purpose: 'drill reports: scenario, load, time to detect and to recover, requests served bad, verification, timeline',
  },
  {
    id: 'incidents',
    envVar: 'REWIND_INCIDENTS_TABLE',
    // (id): one item per incident, written before its first pointer change and again when it
    // ends. A table of its own: an incident spans views (no view's partition fits it), outlives
    // jobs (no TTL), and is read by id only (store/dynamo-incidents.ts).
    partitionKey: { name: 'id', type: 'S' },
    usedBy: ['revert-source', 'get-incident'],
    purpose: 'incidents: the pointer changes made for one cause (a source revert), what was reverted, what was not and why',
  },
] as const;

export const SNAPSHOT_BUCKET_ENV = 'REWIND_SNAPSHOT_BUCKET';

export function tableSpec(id: TableSpec['id']): TableSpec {
  const spec = TABLES.find((t) => t.id === id);
  if (!spec) throw new Error(`unknown table ${id}`);
  return spec;
}
