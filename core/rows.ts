import { ValidationError } from './errors';
import { MAX_ENTITY_KEY_BYTES, MAX_ITEM_BYTES, MAX_ONLINE_KEY_BYTES, attributeBytes, kilobytes, largestPath, numberProblem, utf8Bytes } from './limits';
import type { FeatureSpec, FeatureType, FeatureValue, ViewDefinition } from './model';

/** One entity's feature values, checked against a view definition. */
export interface FeatureRow {
  entity: string;
  values: Record<string, FeatureValue>;
}

export interface RowCheckOptions {
  /** Field name used in error messages, e.g. `rows` or `snapshotUri`. */
  field: string;
  /** Values arrive as text (CSV) and are converted to the declared type. */
  fromText?: boolean;
}

/**
 * Check raw rows against the definition and return them normalized. Every row must carry
 * the entity key; columns must be declared features of the declared type; a missing or
 * null feature is allowed (served as its default). Entities must be unique, otherwise which
 * value is served would depend on write order. Each row must also fit DynamoDB as its online
 * item (core/limits.ts): key bytes, numbers it stores exactly, 400 KB per item, so that no
 * online write can fail on a row after the version number is taken.
 *
 * @example checkRows(def, [{ user_id: 'u1', age: 31 }], { field: 'rows' })
 */
export function checkRows(definition: ViewDefinition, raw: Iterable<Record<string, unknown>>, options: RowCheckOptions): FeatureRow[] {
  const checker = new RowChecker(definition, options.field, options.fromText ?? false);
  const seen = new Set<string>();
  const rows: FeatureRow[] = [];
  let index = 0;
  for (const record of raw) {
    const entity = checker.entity(record, index);
    if (seen.has(entity)) throw checker.duplicate(entity, index);
    seen.add(entity);
    rows.push(checker.values(record, entity, index));
    index++;
  }
  return rows;
}

/**
 * {@link checkRows} one record at a time, in its order (entity key, uniqueness, values), for a
 * caller that keeps the uniqueness check itself: a deploy job streaming a file of any size
 * (core/job-validation.ts) checks each row with the same messages and fields, numbered from the
 * file's first row.
 */
export class RowChecker {
  private readonly specs: Map<string, FeatureSpec>;

  constructor(
    private readonly definition: ViewDefinition,
    private readonly field: string,
    private readonly fromText: boolean,
  ) {
    this.specs = new Map(definition.features.map((f) => [f.name, f]));
  }

  /** The record's entity key (throws when the record or its key is not valid). */
  entity(record: Record<string, unknown>, index: number): string {
    const at = `${this.field}[${index}]`;
    if (record === null || typeof record !== 'object' || Array.isArray(record)) throw new ValidationError(at, 'must be an object');
    return entityKey(record[this.definition.entity], `${at}.${this.definition.entity}`);
  }

  duplicate(entity: string, index: number): ValidationError {
    return new ValidationError(`${this.field}[${index}].${this.definition.entity}`, `duplicate entity '${entity}'`);
  }

  /** The record's values, checked and normalized. */
  values(record: Record<string, unknown>, entity: string, index: number): FeatureRow {
    const at = `${this.field}[${index}]`;
    const values: Record<string, FeatureValue> = {};
    for (const [column, value] of Object.entries(record)) {
      if (column === this.definition.entity) continue;
      const spec = this.specs.get(column);
      if (!spec) throw new ValidationError(`${at}.${column}`, `is not a feature of this view (declared: ${[...this.specs.keys()].join(', ')})`);
      const checked = checkValue(spec, value, `${at}.${column}`, this.fromText);
      if (checked !== null) values[column] = checked;
    }
    checkItemSize(entity, values, at);
    return { entity, values };
  }
}

/** The online item's size with the longest key any view and version could give it: the same verdict for every view. */
function checkItemSize(entity: string, values: Record<string, FeatureValue>, at: string): void {
  const bytes = 'pk'.length + MAX_ONLINE_KEY_BYTES - MAX_ENTITY_KEY_BYTES + utf8Bytes(entity) + 'v'.length + attributeBytes(values);
  if (bytes <= MAX_ITEM_BYTES) return;
  const [column] = largestPath(values, 1);
  throw new ValidationError(column === undefined ? at : `${at}.${String(column)}`, `the row is ${kilobytes(bytes)} as an online item; DynamoDB stores at most ${kilobytes(MAX_ITEM_BYTES)} per item`);
}

/**
 * The entity key as a string, within {@link MAX_ENTITY_KEY_BYTES} UTF-8 bytes (it is part of
 * the online item's partition key). Numbers are keyed by their shortest decimal form.
 */
export function entityKey(value: unknown, field: string): string {
  if (typeof value === 'string' && value.length > 0) {
    const bytes = utf8Bytes(value);
    if (bytes > MAX_ENTITY_KEY_BYTES) throw new ValidationError(field, `the entity key is ${bytes} bytes in UTF-8; at most ${MAX_ENTITY_KEY_BYTES}`);
    return value;
  }
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'bigint') return value.toString();
  throw new ValidationError(field, value === undefined || value === null || value === '' ? 'the entity key is missing' : 'must be a non-empty string or a number');
}

function checkValue(spec: FeatureSpec, value: unknown, field: string, fromText: boolean): FeatureValue {
  if (value === null || value === undefined) return null;
  if (fromText && typeof value === 'string') return fromTextValue(spec.type, value, field);
  if (typeof value === 'bigint') value = bigintToNumber(value, field);
  if (matchesType(spec.type, value)) return value as FeatureValue;
  // A double the type would take but DynamoDB cannot store exactly: say which limit.
  if (spec.type === 'float' && typeof value === 'number') throw new ValidationError(field, numberProblem(value)!);
  throw new ValidationError(field, `expected ${spec.type}, got ${describe(value)}`);
}

/**
 * Whether `value` is a value of `type` that DynamoDB stores exactly: an int is a safe
 * integer, a float a finite double within core/limits.ts's range.
 */
export function matchesType(type: FeatureType, value: unknown): boolean {
  switch (type) {
    case 'int':
      return typeof value === 'number' && Number.isSafeInteger(value);
    case 'float':
      return typeof value === 'number' && numberProblem(value) === undefined;
    case 'string':
      return typeof value === 'string';
    case 'bool':
      return typeof value === 'boolean';
  }
}

function fromTextValue(type: FeatureType, text: string, field: string): FeatureValue {
  const value = valueFromText(type, text);
  const problem = type === 'float' ? numberProblem(Number(text)) : undefined;
  if (value === undefined && problem && Number.isFinite(Number(text))) throw new ValidationError(field, problem);
  if (value === undefined) throw new ValidationError(field, `expected ${type}, got '${text.slice(0, 40)}'`);
  return value;
}

/**
 * A text cell (CSV) as the declared type: '' is null, undefined means it does not parse.
 * The CLI converts inline CSV with this too, so a file deploys the same inline or uploaded.
 *
 * @example valueFromText('int', '42') // 42;  valueFromText('bool', 'yes') // undefined
 */
export function valueFromText(type: FeatureType, text: string): FeatureValue | undefined {
  if (text === '') return null;
  switch (type) {
    case 'string':
      return text;
    case 'bool':
      return text === 'true' ? true : text === 'false' ? false : undefined;
    case 'int': {
      const n = Number(text);
      return Number.isSafeInteger(n) ? n : undefined;
    }
    case 'float': {
      const n = Number(text);
      return numberProblem(n) === undefined ? n : undefined;
    }
  }
}

function bigintToNumber(value: bigint, field: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new ValidationError(field, 'integer is outside the safe range of a double');
  return n;
}

function describe(value: unknown): string {
  if (typeof value === 'number') return Number.isInteger(value) ? 'an integer' : `the number ${value}`;
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'boolean') return 'a boolean';
  return Array.isArray(value) ? 'an array' : typeof value;
}

/** The values an entity is served with: stored values, then declared defaults, then null. */
export function withDefaults(definition: ViewDefinition, stored: Record<string, FeatureValue> | undefined): Record<string, FeatureValue> {
  const out: Record<string, FeatureValue> = {};
  for (const f of definition.features) out[f.name] = stored?.[f.name] ?? f.default ?? null;
  return out;
}
