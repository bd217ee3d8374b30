/**
 * Validates OpenLineage events against the official JSON Schemas (draft 2020-12), copied into
 * test/support/openlineage-schemas/ so a fresh clone validates with no ../shared beside it.
 * The core schema checks the event's shape (RunEvent / DatasetEvent); each facet's schema
 * checks the facets of that name wherever they appear (a facet file's root schema is
 * `{ properties: { <facetName>: … } }`, so it is applied to every `facets` object).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

const DIR = join(__dirname, 'openlineage-schemas');
const CORE_ID = 'https://openlineage.io/spec/2-0-2/OpenLineage.json';

function build(): { event: ValidateFunction; facets: ValidateFunction[] } {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema(JSON.parse(readFileSync(join(DIR, 'OpenLineage.json'), 'utf8')) as object);
  const facets = readdirSync(join(DIR, 'facets'))
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(join(DIR, 'facets', f), 'utf8')) as { $id: string });
  for (const schema of facets) ajv.addSchema(schema);
  return { event: ajv.getSchema(CORE_ID)!, facets: facets.map((f) => ajv.getSchema(f.$id)!) };
}

let validators: ReturnType<typeof build> | undefined;

/** Every `facets` / `inputFacets` / `outputFacets` object of an event. */
function facetObjects(event: any): object[] {
  const datasets = [...(event.inputs ?? []), ...(event.outputs ?? []), ...(event.dataset ? [event.dataset] : [])];
  return [event.run?.facets, event.job?.facets, ...datasets.flatMap((d: any) => [d.facets, d.inputFacets, d.outputFacets])].filter(Boolean);
}

/** The schema errors of one event (empty when it is valid), facets included. */
export function openLineageErrors(event: unknown): string[] {
  validators ??= build();
  const errors: string[] = [];
  if (!validators.event(event)) errors.push(...validators.event.errors!.map((e) => `event${e.instancePath} ${e.message}`));
  for (const facets of facetObjects(event))
    for (const check of validators.facets) if (!check(facets)) errors.push(...check.errors!.map((e) => `facet${e.instancePath} ${e.message} (${String(check.schema && (check.schema as { $id: string }).$id)})`));
  return errors;
}
