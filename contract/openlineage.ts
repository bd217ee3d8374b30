/**
 * OpenLineage events (https://openlineage.io, spec 2-0-2) for what Rewind does, built from the
 * same committed items the outbox publishes pointer events from (contract/events.ts), so a
 * lineage backend (Marquez, DataHub, …) sees every deploy and every change of what is served:
 *
 * - a deploy is a run of the job named after the view: a RunEvent START and then COMPLETE (the
 *   version is ready) or FAIL (validation rejected it, or its job failed), both built from the
 *   item that records the deploy's end (the version record, or the failed job), with the
 *   deploy's own start and end times as `eventTime`. Inputs are the version's sources
 *   (`dataSource` and `version` facets), the output is the view's dataset at that version (the
 *   snapshot: `schema`, `version`, `storage`, `symlinks` to its S3 object, and `columnLineage`
 *   when the transformation declares it).
 * - a pointer change is a DatasetEvent for the view's dataset: no job ran and no data moved
 *   (invariant 3: a rollback copies nothing), only which dataset version is served changed,
 *   which is static metadata about the dataset. A RunEvent would invent a run that has no
 *   inputs, and a JobEvent describes a job, not the dataset a consumer reads.
 *
 * One event per view and run, never one bulk event. The input is typed by the fields read
 * (core/model.ts `VersionRecord` and `HistoryEntry` are such), so this file imports nothing of core.
 */
import { createHash } from 'node:crypto';
import type { BusEvent, HistoryEventSource } from './events';
import { POINTER_EVENT_SOURCE } from './rules';

export const OPENLINEAGE_SCHEMA_URL = 'https://openlineage.io/spec/2-0-2/OpenLineage.json';
/** Who produced the events (a URI, as the spec asks). */
export const OPENLINEAGE_PRODUCER = 'rewind://control-plane/0.1.0';
/** Detail-types on Rewind's bus; `detail` is the OpenLineage event itself, ready to POST. */
export const OPENLINEAGE_RUN_EVENT = 'OpenLineageRunEvent';
export const OPENLINEAGE_DATASET_EVENT = 'OpenLineageDatasetEvent';

const FACETS = 'https://openlineage.io/spec/facets';
const FACET_SCHEMA = {
  dataSource: `${FACETS}/1-0-1/DatasourceDatasetFacet.json#/$defs/DatasourceDatasetFacet`,
  version: `${FACETS}/1-0-1/DatasetVersionDatasetFacet.json#/$defs/DatasetVersionDatasetFacet`,
  schema: `${FACETS}/1-2-0/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet`,
  storage: `${FACETS}/1-0-1/StorageDatasetFacet.json#/$defs/StorageDatasetFacet`,
  symlinks: `${FACETS}/1-0-1/SymlinksDatasetFacet.json#/$defs/SymlinksDatasetFacet`,
  columnLineage: `${FACETS}/1-2-0/ColumnLineageDatasetFacet.json#/$defs/ColumnLineageDatasetFacet`,
  errorMessage: `${FACETS}/1-0-1/ErrorMessageRunFacet.json#/$defs/ErrorMessageRunFacet`,
  jobType: `${FACETS}/2-0-4/JobTypeJobFacet.json#/$defs/JobTypeJobFacet`,
} as const;
/** Rewind's own facet on the served dataset (custom facets only need the base facet's fields). */
const SERVING_FACET_SCHEMA = 'rewind://control-plane/facets/ServingDatasetFacet.json';

/** A column-lineage declaration: each feature's inputs, as (source URI, field). */
export type ColumnLineage = Record<string, { source: string; field: string }[]>;

/** The fields of a version record the run events read (core/model.ts `VersionRecord`). */
export interface DeployRunSource {
  view: string;
  version: number;
  definition: { entity: string; features: readonly { name: string; type: string; description?: string }[] };
  transformation?: { kind: string; ref: string; codeSha256?: string; columnLineage?: ColumnLineage };
  sources: readonly { uri: string; checksum?: string; ingestedAt?: string }[];
  snapshot?: { uri: string; sha256: string; rows: number };
  outcome: 'ready' | 'rejected';
  validation?: { findings: readonly { message: string }[] };
  createdAt: string;
  /** When the deploy ended (the record's write); createdAt when unknown. */
  endedAt?: string;
}

export interface OpenLineageDataset {
  namespace: string;
  name: string;
  facets?: Record<string, Record<string, unknown>>;
}
export interface OpenLineageRunEvent {
  eventType: 'START' | 'COMPLETE' | 'FAIL' | 'ABORT';
  eventTime: string;
  producer: string;
  schemaURL: string;
  run: { runId: string; facets?: Record<string, Record<string, unknown>> };
  job: { namespace: string; name: string; facets?: Record<string, Record<string, unknown>> };
  inputs: OpenLineageDataset[];
  outputs: OpenLineageDataset[];
}
export interface OpenLineageDatasetEvent {
  eventTime: string;
  producer: string;
  schemaURL: string;
  dataset: OpenLineageDataset;
}
export type OpenLineageEvent = OpenLineageRunEvent | OpenLineageDatasetEvent;

/** The namespace of a stack's jobs and view datasets: `rewind://<service>` (`rewind://local` locally). */
export function lineageNamespace(service: string): string {
  return `rewind://${service}`;
}

/**
 * The run id of a view's deploy of `version`: a UUID derived from (namespace, view, version),
 * so START and its end, and a republish, name the same run.
 */
export function deployRunId(namespace: string, view: string, version: number): string {
  const hex = createHash('sha256').update(`${namespace}\n${view}\n${version}`).digest('hex');
  // RFC 4122 layout: version nibble 5 (name-based), variant 10xx.
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** A source URI as an OpenLineage dataset: `scheme://authority` is the namespace, the path the name. */
export function sourceDataset(uri: string): { namespace: string; name: string } {
  const match = /^([a-z][a-z0-9+.-]*:\/\/[^/]*)\/?(.*)$/i.exec(uri);
  if (match) return { namespace: match[1]!, name: match[2] || '/' };
  return { namespace: 'rewind-source', name: uri };
}

function facet(schemaURL: string, fields: Record<string, unknown>): Record<string, unknown> {
  return { _producer: OPENLINEAGE_PRODUCER, _schemaURL: schemaURL, ...fields };
}

/** The job of a view's deploys: named after the view, a batch job. */
function deployJob(namespace: string, view: string): OpenLineageRunEvent['job'] {
  return { namespace, name: view, facets: { jobType: facet(FACET_SCHEMA.jobType, { processingType: 'BATCH', integration: 'REWIND', jobType: 'DEPLOY' }) } };
}

/** The view's dataset at a version (the deploy's output, what a pointer change serves). */
function viewDataset(namespace: string, view: string, facets: Record<string, Record<string, unknown>>): OpenLineageDataset {
  return { namespace, name: view, facets };
}

/**
 * The deploy of one version as its two run events: START at `createdAt`, then COMPLETE (ready)
 * or FAIL (rejected, or `failure` given: a job that never recorded its version).
 *
 * @example deployRunEvents(record, 'rewind://local').map((e) => e.eventType) // ['START', 'COMPLETE']
 */
export function deployRunEvents(source: DeployRunSource, namespace: string, failure?: string): [OpenLineageRunEvent, OpenLineageRunEvent] {
  const inputs = source.sources.map((s) => ({
    ...sourceDataset(s.uri),
    facets: {
      dataSource: facet(FACET_SCHEMA.dataSource, { name: sourceDataset(s.uri).namespace, uri: s.uri }),
      // A source's version is what identifies its content: its checksum, else when it was ingested.
      ...(s.checksum ?? s.ingestedAt ? { version: facet(FACET_SCHEMA.version, { datasetVersion: s.checksum ?? s.ingestedAt }) } : {}),
    },
  }));
  const outputFacets: Record<string, Record<string, unknown>> = {
    schema: facet(FACET_SCHEMA.schema, {
      fields: [
        { name: source.definition.entity, type: 'string', description: 'entity key' },
        ...source.definition.features.map((f) => ({ name: f.name, type: f.type, ...(f.description ? { description: f.description } : {}) })),
      ],
    }),
    version: facet(FACET_SCHEMA.version, { datasetVersion: String(source.version) }),
  };
  if (source.snapshot) {
    outputFacets.storage = facet(FACET_SCHEMA.storage, { storageLayer: 's3', fileFormat: 'parquet' });
    outputFacets.symlinks = facet(FACET_SCHEMA.symlinks, { identifiers: [{ ...sourceDataset(source.snapshot.uri), type: 'FILE' }] });
  }
  const lineage = source.transformation?.columnLineage;
  if (lineage && Object.keys(lineage).length)
    outputFacets.columnLineage = facet(FACET_SCHEMA.columnLineage, {
      fields: Object.fromEntries(
        Object.entries(lineage).map(([feature, from]) => [feature, { inputFields: from.map((f) => ({ ...sourceDataset(f.source), field: f.field })) }]),
      ),
    });
  const job = deployJob(namespace, source.view);
  const runId = deployRunId(namespace, source.view, source.version);
  const base = { producer: OPENLINEAGE_PRODUCER, schemaURL: `${OPENLINEAGE_SCHEMA_URL}#/$defs/RunEvent`, job, inputs };
  const failed = failure ?? (source.outcome === 'rejected' ? `rejected by validation: ${source.validation?.findings[0]?.message ?? 'a blocking check failed'}` : undefined);
  const outputs = [viewDataset(namespace, source.view, outputFacets)];
  return [
    { ...base, eventType: 'START', eventTime: source.createdAt, run: { runId }, outputs },
    {
      ...base,
      eventType: failed ? 'FAIL' : 'COMPLETE',
      eventTime: source.endedAt ?? source.createdAt,
      run: { runId, ...(failed ? { facets: { errorMessage: facet(FACET_SCHEMA.errorMessage, { message: failed, programmingLanguage: 'TypeScript' }) } } : {}) },
      // A failed deploy produced no servable version (a rejected one's snapshot is kept for the post-mortem only).
      outputs: failed ? [] : outputs,
    },
  ];
}

/** The fields of a deploy job the run events of its failure read (core/ports/jobs.ts `Job`). */
export interface DeployJobSource {
  view: string;
  version: number;
  status: string;
  startedAt: string;
  endedAt?: string;
  error?: { message: string };
}

/**
 * A deploy job that ended without recording its version: START at its start, then FAIL (or
 * ABORT when it was cancelled), with the run id its version record would have had. Its
 * definition and sources are in the request document in S3, not in the job record, so the
 * events carry the job's identity and its error; the version it reserved stays a gap.
 */
export function endedJobRunEvents(job: DeployJobSource, namespace: string): [OpenLineageRunEvent, OpenLineageRunEvent] {
  const runId = deployRunId(namespace, job.view, job.version);
  const base = { producer: OPENLINEAGE_PRODUCER, schemaURL: `${OPENLINEAGE_SCHEMA_URL}#/$defs/RunEvent`, job: deployJob(namespace, job.view), inputs: [], outputs: [] };
  const cancelled = job.status === 'cancelled';
  return [
    { ...base, eventType: 'START', eventTime: job.startedAt, run: { runId } },
    {
      ...base,
      eventType: cancelled ? 'ABORT' : 'FAIL',
      eventTime: job.endedAt ?? job.startedAt,
      run: { runId, ...(cancelled ? {} : { facets: { errorMessage: facet(FACET_SCHEMA.errorMessage, { message: job.error?.message ?? 'deploy job failed', programmingLanguage: 'TypeScript' }) } }) },
    },
  ];
}

/**
 * A pointer change as the DatasetEvent of the view's dataset: which version is served now
 * (`version` facet: the stable one), and Rewind's `serving` facet with the candidate, its
 * share and the disabled features, and the change that did it.
 */
export function servedDatasetEvent(entry: HistoryEventSource & { after: { disabledFeatures?: readonly string[]; candidate?: { version: number; strategy?: string; percent?: number } | null } }, namespace: string): OpenLineageDatasetEvent {
  const { stable, candidate, disabledFeatures } = entry.after;
  return {
    eventTime: entry.at,
    producer: OPENLINEAGE_PRODUCER,
    schemaURL: `${OPENLINEAGE_SCHEMA_URL}#/$defs/DatasetEvent`,
    dataset: viewDataset(namespace, entry.view, {
      ...(stable !== null ? { version: facet(FACET_SCHEMA.version, { datasetVersion: String(stable) }) } : {}),
      serving: facet(SERVING_FACET_SCHEMA, {
        stable,
        candidate: candidate ? { version: candidate.version, strategy: candidate.strategy, percent: candidate.percent } : null,
        disabledFeatures: disabledFeatures ?? [],
        revision: entry.revision,
        action: entry.action,
        actor: entry.actor,
        ...(entry.reason !== undefined ? { reason: entry.reason } : {}),
        auditId: entry.auditId,
      }),
    }),
  };
}

/** An OpenLineage event as it goes on Rewind's bus. */
export function lineageBusEvent(event: OpenLineageEvent, eventBusName: string): BusEvent {
  return {
    EventBusName: eventBusName,
    Source: POINTER_EVENT_SOURCE,
    DetailType: 'run' in event ? OPENLINEAGE_RUN_EVENT : OPENLINEAGE_DATASET_EVENT,
    Time: new Date(event.eventTime),
    Detail: JSON.stringify(event),
  };
}

/** Whether a bus event carries an OpenLineage event (to POST to REWIND_OPENLINEAGE_URL). */
export function isLineageBusEvent(event: Pick<BusEvent, 'DetailType'>): boolean {
  return event.DetailType === OPENLINEAGE_RUN_EVENT || event.DetailType === OPENLINEAGE_DATASET_EVENT;
}
