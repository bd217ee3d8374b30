/**
 * Deploying a version: check everything first, then write. Nothing is written until the
 * request and its rows have been fully checked (bad input writes nothing); after that the
 * order is snapshot → online values → version record, so a record only ever points at data
 * that exists.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json';
import type { DeployRequest } from './contracts';
import type { Deps } from './deps';
import { activateVersion, type PointerChangeResult } from './pointer-changes';
import type { SnapshotRef, VersionRecord, VersionStatus, ViewDefinition } from './model';
import { checkRows, type FeatureRow } from './rows';

export interface DeployResult {
  view: string;
  version: number;
  status: VersionStatus;
  snapshot: SnapshotRef;
  materialized: { rows: number; ms: number };
  activation?: PointerChangeResult;
}

export interface DeployProgress {
  onRowsWritten?: (written: number, total: number) => void;
}

export async function deployVersion(
  deps: Deps,
  actor: string,
  view: string,
  request: DeployRequest,
  progress: DeployProgress = {},
): Promise<DeployResult> {
  const definition: ViewDefinition = request.definition;
  const rows = await loadRows(deps, definition, request);

  const at = deps.clock.now().toISOString();
  const version = await deps.registry.nextVersionNumber(view, at);
  const snapshot = await deps.snapshots.write(view, version, definition, rows);

  const started = performance.now();
  const written = await deps.online.write(view, version, rows, (n) => progress.onRowsWritten?.(n, rows.length));
  const materialized = { rows: written, ms: Math.round(performance.now() - started) };
  await deps.registry.putMaterialization({ view, version, state: 'materialized', rows: written, updatedAt: at });

  const record: VersionRecord = {
    view,
    version,
    definition,
    definitionSha256: sha256(canonicalJson(definition)),
    ...(request.transformation
      ? {
          transformation: {
            ...request.transformation,
            ...(request.transformation.code !== undefined ? { codeSha256: sha256(request.transformation.code) } : {}),
          },
        }
      : {}),
    sources: request.sources,
    consumers: request.consumers,
    ...(request.changelog !== undefined ? { changelog: request.changelog } : {}),
    snapshot,
    outcome: 'ready',
    createdAt: at,
    createdBy: actor,
  };
  await deps.registry.putVersion(record, {
    actor,
    action: 'deploy',
    outcome: 'allowed',
    view,
    detail: { version, snapshotSha256: snapshot.sha256, rows: snapshot.rows, definitionSha256: record.definitionSha256 },
  });

  const result: DeployResult = { view, version, status: 'deployed', snapshot, materialized };
  if (request.activate) {
    result.activation = await activateVersion(deps, actor, view, { version, reason: request.reason ?? `deployed with activate: true` });
    result.status = 'active';
  }
  return result;
}

async function loadRows(deps: Deps, definition: ViewDefinition, request: DeployRequest): Promise<FeatureRow[]> {
  if (request.rows) return checkRows(definition, request.rows, { field: 'rows' });
  const source = await deps.snapshots.readSource(request.snapshotUri!);
  return checkRows(definition, source.records, { field: 'snapshotUri', fromText: source.fromText });
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
