/** JSON or YAML files the CLI reads (view files, policy files), chosen by extension. */
import { extname } from 'node:path';
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
