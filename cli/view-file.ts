/**
 * View files: a deploy request minus its rows, kept next to the code that computes the
 * features (definition, transformation, sources, consumers, changelog), as YAML or JSON.
 * They are checked here with the API's own schemas, so a typo is reported with its file
 * and field before anything is sent.
 */
import { basename } from 'node:path';
import * as z from 'zod';
import { DeployRequestSchema, parse, ViewParamsSchema } from '../core/requests';
import { ValidationError } from '../core/errors';
import { DocumentFileError, parseDocumentFile, readDocumentText } from './document-file';

/**
 * What a view file may hold: every field of a deploy request except the two that belong to
 * the command line (`activate`, `reason`), plus the view's name. Built from the API's schema
 * so a field added there (e.g. a validation policy) is accepted here without a change.
 *
 * Strict, unlike the API (which drops unknown keys): in a file a person edits, an unknown
 * key is almost always a misspelt one (`consumer:`), and ignoring it would deploy a version
 * without what they meant to set.
 */
export const ViewFileSchema = z
  .object(DeployRequestSchema.shape)
  .omit({ activate: true, reason: true })
  .extend({
    /** The view's name; defaults to the file name without `.view.yaml`. */
    view: ViewParamsSchema.shape.view.optional(),
  })
  .strict();

export type ViewFile = z.infer<typeof ViewFileSchema>;

export interface LoadedViewFile {
  view: string;
  path: string;
  spec: Omit<ViewFile, 'view'>;
}

/** A view file that cannot be read or does not fit the schema; `field` is its dotted path. */
export class ViewFileError extends DocumentFileError {}

/**
 * Read and check a view file.
 *
 * @example const { view, spec } = await loadViewFile('examples/user_profile.view.yaml')
 */
export async function loadViewFile(path: string, options: { view?: string } = {}): Promise<LoadedViewFile> {
  const text = await readDocumentText(path, (message, cause) => new ViewFileError(path, message, undefined, { cause }));
  return parseViewFile(text, path, options);
}

/** The same as loadViewFile, from text already read; `path` names the file in messages and picks the syntax. */
export function parseViewFile(text: string, path: string, options: { view?: string } = {}): LoadedViewFile {
  const document = parseDocumentFile(text, path, (message, cause) => new ViewFileError(path, message, undefined, cause === undefined ? undefined : { cause }));
  if (document === null || typeof document !== 'object' || Array.isArray(document))
    throw new ViewFileError(path, 'must hold a mapping with at least `definition:` (entity and features)');
  const allowed = Object.keys(ViewFileSchema.shape);
  const unknown = Object.keys(document).find((key) => !allowed.includes(key));
  if (unknown === 'activate' || unknown === 'reason')
    throw new ViewFileError(path, `${unknown}: belongs on the command line (--${unknown}), not in the view file`, unknown);
  if (unknown !== undefined) throw new ViewFileError(path, `${unknown}: is not a view file key (allowed: ${allowed.join(', ')})`, unknown);
  const parsed = checked(ViewFileSchema, document, path);
  // The API's cross-field checks (entity not a feature, consumers' features declared, …) run
  // here too, with a stand-in for the rows that come from the data file.
  const { view: _name, ...asRequest } = parsed;
  checked(DeployRequestSchema, asRequest.rows || asRequest.snapshotUri ? asRequest : { ...asRequest, rows: [] }, path);
  const { view: named, ...spec } = parsed;
  const view = options.view ?? named ?? viewNameFromPath(path);
  const checkedView = ViewParamsSchema.shape.view.safeParse(view);
  if (!checkedView.success)
    throw new ViewFileError(path, `view name '${view}' ${checkedView.error.issues[0]!.message}; set 'view:' in the file or pass --view`, 'view');
  if (spec.rows && spec.snapshotUri) throw new ViewFileError(path, 'give rows or snapshotUri, not both', 'snapshotUri');
  return { view, path, spec };
}

/** Parse with one of the API's schemas, reporting fields as paths in the file. */
function checked<S extends z.ZodType>(schema: S, document: unknown, path: string): z.infer<S> {
  try {
    return parse(schema, document, '$');
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    // parse() names fields from a root; drop the placeholder root so fields read as in the file.
    const field = error.field.replace(/^\$\.?/, '') || undefined;
    const message = error.message.replace(/^\$\.?[^:]*: /, '');
    throw new ViewFileError(path, field ? `${field}: ${message}` : message, field, { cause: error });
  }
}

/** `user_profile.view.yaml` → `user_profile`. */
export function viewNameFromPath(path: string): string {
  return basename(path)
    .replace(/\.(ya?ml|json)$/i, '')
    .replace(/\.view$/i, '');
}

