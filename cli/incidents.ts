/** `rewind revert-source` and `rewind incidents show`: a source-level revert and the incident it leaves (core/source-revert.ts). */
import type { Incident, IncidentView } from '../core/ports/incidents';
import type { RewindClient } from './client';
import type { Output } from './commands';
import { table, version } from './format';

export interface RevertSourceOptions {
  reason: string;
  dryRun?: boolean;
  checksum?: string;
  breakGlassReason?: string;
}

/** `rewind revert-source <uri> --reason … [--dry-run]`: every view served from the source, rolled back (or, dry, the plan). */
export async function revertSource(client: RewindClient, uri: string | undefined, options: RevertSourceOptions): Promise<Output> {
  const incident = await client.revertSource({
    ...(uri ? { uri } : {}),
    ...(options.checksum ? { checksum: options.checksum } : {}),
    reason: options.reason,
    dryRun: options.dryRun ?? false,
    ...(options.breakGlassReason ? { breakGlassReason: options.breakGlassReason } : {}),
  });
  return { data: incident, text: incidentText(incident) };
}

/** `rewind incidents show <id>`. */
export async function showIncident(client: RewindClient, id: string): Promise<Output> {
  const incident = await client.incident(id);
  return { data: incident, text: incidentText(incident) };
}

function change(v: IncidentView): string {
  return `${version(v.fromVersion)} → ${v.toVersion === undefined ? '-' : version(v.toVersion)}`;
}

export function incidentText(incident: Incident): string {
  const source = incident.source.uri ?? `checksum ${incident.source.checksum}`;
  const head = incident.id
    ? `incident ${incident.id} (${incident.status}): ${source} · ${incident.reason} · by ${incident.actor} at ${incident.createdAt}`
    : `dry run: ${source} · nothing was changed`;
  const views = [...incident.reverted, ...incident.notReverted];
  if (views.length === 0) return `${head}\nno view serves a version that read it`;
  const rows = table(
    ['VIEW', 'CHANGE', 'OUTCOME', 'WHY'],
    views.map((v) => [v.view, change(v), v.outcome, v.why]),
  );
  const offers = incident.notReverted.filter((v) => v.killSwitch).map((v) => `${v.view}: kill switch offered: ${v.killSwitch!.features.join(', ')} (${v.killSwitch!.routes.join('; ')})`);
  return [head, rows, ...offers].join('\n');
}
