/** JSON or YAML files the CLI reads (view files, policy files), chosen by extension. */
import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';

/**
 * Parse `text` as the format `path`'s extension names; `fail` builds the caller's own error
 * (ViewFileError, PolicyFileError) so messages keep naming the file.
 *
 * @example parseDocumentFile('a: 1', 'v.view.yaml', (m) => new Error(m)) // { a: 1 }
 */
export function parseDocumentFile(text: string, path: string, fail: (message: string, cause?: unknown) => Error): unknown {
  const ext = extname(path).toLowerCase();
  if (ext === '.json') {
    try {
      return JSON.parse(text);
    } catch (cause) {
      throw fail(`is not valid JSON: ${(cause as Error).message}`, cause);
    }
  }
  if (ext === '.yaml' || ext === '.yml') {
    try {
      // YAML 1.2 core schema: `no` stays a string, `1e3` a number, as a reader expects.
      return parseYaml(text, { prettyErrors: true });
    } catch (cause) {
      const message = (cause instanceof YAMLParseError ? cause.message.split('\n')[0]! : (cause as Error).message).replace(/:$/, '');
      throw fail(`is not valid YAML: ${message}`, cause);
    }
  }
  throw fail('must be a .yaml, .yml or .json file');
}

/** A file the CLI cannot use; the message starts with its name, `field` is its dotted path. */
export class DocumentFileError extends Error {
  constructor(
    readonly path: string,
    message: string,
    readonly field?: string,
    options?: { cause?: unknown },
  ) {
    super(`${basename(path)}: ${message}`, options);
    this.name = new.target.name;
  }
}

/** The file's text; a file that cannot be read fails with `fail` naming the reason (ENOENT, …). */
export async function readDocumentText(path: string, fail: (message: string, cause: unknown) => Error): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (cause) {
    throw fail(`cannot read the file (${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message})`, cause);
  }
}
