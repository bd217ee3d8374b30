import { ValidationError } from './errors';
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
 * value is served would depend on write order.
 *
 * @example checkRows(def, [{ user_id: 'u1', age: 31 }], { field: 'rows' })
 */
export function checkRows(definition: ViewDefinition, raw: Iterable<Record<string, unknown>>, options: RowCheckOptions): FeatureRow[] {
  const specs = new Map(definition.features.map((f) => [f.name, f]));
  const seen = new Set<string>();
  const rows: FeatureRow[] = [];
  let index = 0;
  for (const record of raw) {
    const at = `${options.field}[${index}]`;
    if (record === null || typeof record !== 'object' || Array.isArray(record)) throw new ValidationError(at, 'must be an object');
    const entity = entityKey(record[definition.entity], `${at}.${definition.entity}`);
    if (seen.has(entity)) throw new ValidationError(`${at}.${definition.entity}`, `duplicate entity '${entity}'`);
    seen.add(entity);
    const values: Record<string, FeatureValue> = {};
    for (const [column, value] of Object.entries(record)) {
      if (column === definition.entity) continue;
      const spec = specs.get(column);
      if (!spec) throw new ValidationError(`${at}.${column}`, `is not a feature of this view (declared: ${[...specs.keys()].join(', ')})`);
      const checked = checkValue(spec, value, `${at}.${column}`, options.fromText ?? false);
      if (checked !== null) values[column] = checked;
    }
    rows.push({ entity, values });
    index++;
  }
  return rows;
}

function entityKey(value: unknown, field: string): string {
  if (typeof value === 'string' && value.length > 0 && value.length <= 1024) return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'bigint') return value.toString();
  throw new ValidationError(field, value === undefined || value === null || value === '' ? 'the entity key is missing' : 'must be a non-empty string or a number');
}

function checkValue(spec: FeatureSpec, value: unknown, field: string, fromText: boolean): FeatureValue {
  if (value === null || value === undefined) return null;
  if (fromText && typeof value === 'string') return fromTextValue(spec.type, value, field);
  if (typeof value === 'bigint') value = bigintToNumber(value, field);
  if (matchesType(spec.type, value)) return value as FeatureValue;
  throw new ValidationError(field, `expected ${spec.type}, got ${describe(value)}`);
}

export function matchesType(type: FeatureType, value: unknown): boolean {
  switch (type) {
    case 'int':
      return typeof value === 'number' && Number.isSafeInteger(value);
    case 'float':
      return typeof value === 'number' && Number.isFinite(value);
    case 'string':
      return typeof value === 'string';
    case 'bool':
      return typeof value === 'boolean';
  }
}

function fromTextValue(type: FeatureType, text: string, field: string): FeatureValue {
  const value = valueFromText(type, text);
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
      return Number.isFinite(n) ? n : undefined;
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
