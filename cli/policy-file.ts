/**
 * Policy files for `rewind policy set`: the policy document (`tiers:` …) as YAML or JSON, or
 * what `rewind policy get --json` printed (its `document`, and the `revision` it was read at).
 * Checked with the API's own schema, so a typo is reported with its file and field before
 * anything is sent.
 */
import { parse } from '../core/requests';
import { ValidationError } from '../core/errors';
import { PolicyDocumentSchema, type PolicyDocument } from '../core/access-policy';
import { DocumentFileError, parseDocumentFile, readDocumentText } from './document-file';

export interface LoadedPolicyFile {
  path: string;
  document: PolicyDocument;
  /** The revision the document was read at, when the file is the output of `rewind policy get --json`. */
  readAtRevision?: number;
}

/** A policy file that cannot be read or does not fit the schema; `field` is its dotted path. */
export class PolicyFileError extends DocumentFileError {}

/** @example const { document } = await loadPolicyFile('policy.yaml') */
export async function loadPolicyFile(path: string): Promise<LoadedPolicyFile> {
  const text = await readDocumentText(path, (message, cause) => new PolicyFileError(path, message, undefined, { cause }));
  return parsePolicyFile(text, path);
}

/** The same as loadPolicyFile, from text already read; `path` names the file in messages and picks the syntax. */
export function parsePolicyFile(text: string, path: string): LoadedPolicyFile {
  const parsed = parseDocumentFile(text, path, (message, cause) => new PolicyFileError(path, message, undefined, cause === undefined ? undefined : { cause }));
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new PolicyFileError(path, 'must hold a policy document (`tiers:` with standard and critical), or the output of `rewind policy get --json`');
  const record = parsed as Record<string, unknown>;
  // `rewind policy get --json` prints { revision, document, updatedAt, updatedBy, isDefault }.
  const wrapped = 'document' in record && !('tiers' in record);
  const raw = wrapped ? record.document : record;
  const prefix = wrapped ? 'document.' : '';
  let document: PolicyDocument;
  try {
    document = parse(PolicyDocumentSchema, raw, '$') as PolicyDocument;
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    const field = `${prefix}${error.field.replace(/^\$\.?/, '')}`.replace(/\.$/, '') || undefined;
    const message = error.message.replace(/^\$\.?[^:]*: /, '');
    throw new PolicyFileError(path, field ? `${field}: ${message}` : message, field, { cause: error });
  }
  const revision = wrapped ? record.revision : undefined;
  return { path, document, ...(typeof revision === 'number' && Number.isSafeInteger(revision) && revision >= 0 ? { readAtRevision: revision } : {}) };
}

