/**
 * Lineage (issue 12, item 4): sources → versions → views → consumers (models) and derived
 * artifacts, read from the version records (which name their sources, transformation,
 * consumers and artifacts when deployed) and the pointers (what is served now). Records are
 * immutable, so the graph of the past never changes; only "served now" moves.
 */
import type { Deps } from './deps';
import type { DataSource, DerivedArtifact, Pointer, Transformation, VersionRecord } from './model';
import { getView } from './queries';

export type ServedNow = 'stable' | 'candidate' | null;

export interface VersionNode {
  view: string;
  version: number;
  createdAt: string;
  /** How the pointer serves it now. */
  served: ServedNow;
  sources: DataSource[];
  transformation?: Omit<Transformation, 'code'>;
  consumers: string[];
  artifacts: DerivedArtifact[];
  /** The entity key column: the join key models use. */
  joinKey: string;
}

function servedNow(pointer: Pointer | undefined, version: number): ServedNow {
  if (pointer?.stable === version) return 'stable';
  if (pointer?.candidate?.version === version) return 'candidate';
  return null;
}

function node(record: VersionRecord, pointer: Pointer | undefined): VersionNode {
  const { code: _code, ...transformation } = record.transformation ?? ({} as Transformation);
  return {
    view: record.view,
    version: record.version,
    createdAt: record.createdAt,
    served: servedNow(pointer, record.version),
    sources: record.sources,
    ...(record.transformation ? { transformation } : {}),
    consumers: record.consumers,
    artifacts: record.artifacts ?? [],
    joinKey: record.definition.entity,
  };
}

/** Every version of every view, with what it is served as now: the graph's nodes. */
async function everyVersion(deps: Pick<Deps, 'catalog' | 'pointers'>): Promise<VersionNode[]> {
  const views = await deps.catalog.listViews();
  const perView = await Promise.all(
    views.map(async (view) => {
      const [records, pointer] = await Promise.all([deps.catalog.listVersions(view), deps.pointers.getPointer(view)]);
      return records.map((r) => node(r, pointer));
    }),
  );
  return perView.flat();
}

const servedModels = (nodes: readonly VersionNode[]) => [...new Set(nodes.filter((n) => n.served).flatMap((n) => n.consumers))].sort();

/** `GET /lineage/sources?uri=`: every version that read the source, which are served now, and the models they feed. A source nobody read is an answer too (empty). */
export async function sourceLineage(deps: Pick<Deps, 'catalog' | 'pointers'>, uri: string) {
  const readers = (await everyVersion(deps)).filter((n) => n.sources.some((s) => s.uri === uri));
  const checksums = [...new Set(readers.flatMap((n) => n.sources.filter((s) => s.uri === uri).map((s) => s.checksum).filter((c): c is string => c !== undefined)))];
  return {
    source: { uri, checksums },
    versions: readers.map((n) => ({ view: n.view, version: n.version, served: n.served, checksum: n.sources.find((s) => s.uri === uri)!.checksum ?? null, consumers: n.consumers })),
    servedNow: readers.filter((n) => n.served).map((n) => ({ view: n.view, version: n.version, served: n.served })),
    models: servedModels(readers),
  };
}

/** `GET /lineage/views/{view}`: upstream (sources, transformation) and downstream (models, artifacts) per version. */
export async function viewLineage(deps: Pick<Deps, 'catalog' | 'pointers'>, view: string) {
  const { pointer } = await getView(deps, view);
  const versions = (await deps.catalog.listVersions(view)).map((r) => node(r, pointer));
  return {
    view,
    versions: versions.map((n) => ({
      version: n.version,
      createdAt: n.createdAt,
      served: n.served,
      joinKey: n.joinKey,
      upstream: { sources: n.sources, ...(n.transformation ? { transformation: n.transformation } : {}) },
      downstream: { models: n.consumers, artifacts: n.artifacts },
    })),
    models: servedModels(versions),
  };
}

/** `GET /lineage/models/{model}`: what a model consumes, through which views and versions, and what of it is served now. */
export async function modelLineage(deps: Pick<Deps, 'catalog' | 'pointers'>, model: string) {
  const consumed = (await everyVersion(deps)).filter((n) => n.consumers.includes(model));
  return {
    model,
    versions: consumed.map((n) => ({ view: n.view, version: n.version, served: n.served, joinKey: n.joinKey, sources: n.sources })),
    servedNow: consumed.filter((n) => n.served).map((n) => ({ view: n.view, version: n.version, served: n.served })),
    sources: [...new Set(consumed.filter((n) => n.served).flatMap((n) => n.sources.map((s) => s.uri)))].sort(),
  };
}
