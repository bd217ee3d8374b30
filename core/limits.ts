/**
 * What DynamoDB (and the AWS SDK's document client in front of it) can store, as pure checks,
 * so that every request is measured against them before anything is written: a deploy that
 * DynamoDB would refuse halfway through is refused at the door instead, as a 400 naming the
 * field, with no version number taken.
 *
 * Numbers. DynamoDB stores decimals of up to 38 significant digits with a magnitude between
 * 1E-130 and 9.9999999999999999999999999999999999999E+125 (or zero); JSON numbers arrive as
 * JS doubles, whose shortest decimal form has at most 17 significant digits, so precision is
 * never the problem: range is. The document client (`@aws-sdk/lib-dynamodb`) refuses any
 * double beyond ±Number.MAX_SAFE_INTEGER (it cannot tell an exact large integer from a
 * rounded one), which is tighter than DynamoDB's upper bound. So:
 *
 * - `int`: a safe integer, |n| ≤ 2^53 − 1 (every such integer is exact in a double and in DynamoDB);
 * - `float`: finite, |x| ≤ 2^53 − 1, and either 0 or |x| ≥ 1E-130 (a subnormal such as 5e-324
 *   has no DynamoDB representation; rounding it to 0 silently would change the data).
 *
 * Sizes. An item is at most 400 KB, counted as DynamoDB does: attribute names plus values, a
 * string by its UTF-8 bytes. A partition key is at most 2048 bytes, a sort key 1024. Sizes
 * below are upper bounds (a number is counted as its largest, 21 bytes), so what passes here
 * always fits.
 */

/** DynamoDB's item limit: 400 KB, names and values together. */
export const MAX_ITEM_BYTES = 400 * 1024;
/** DynamoDB's partition key limit, in UTF-8 bytes. */
export const MAX_PARTITION_KEY_BYTES = 2048;
/** The smallest non-zero magnitude DynamoDB stores. */
export const MIN_NUMBER_MAGNITUDE = 1e-130;
/** The largest magnitude the document client marshals exactly (DynamoDB itself goes to ~1E+126). */
export const MAX_NUMBER_MAGNITUDE = Number.MAX_SAFE_INTEGER;

/** Longest view name (core/requests.ts `identifier`) and version number, as they appear in keys. */
const MAX_VIEW_NAME_BYTES = 128;
const MAX_VERSION_DIGITS = String(Number.MAX_SAFE_INTEGER).length;

/**
 * An entity key's limit. Online items are keyed `view#version#entity` (store/dynamo-online.ts),
 * so the entity gets what the partition key leaves; 1024 bytes keeps a round figure well
 * inside it (128 + 16 + 2 + 1024 ≤ 2048), the same for every view and every version number.
 */
export const MAX_ENTITY_KEY_BYTES = 1024;
/** The online item's key as composed with the longest view name and version number: never over the partition key limit. */
export const MAX_ONLINE_KEY_BYTES = MAX_VIEW_NAME_BYTES + MAX_VERSION_DIGITS + 2 + MAX_ENTITY_KEY_BYTES;

/** A number's size in DynamoDB, at most: 38 digits packed two to a byte, plus sign and exponent. */
const NUMBER_BYTES = 21;
/** Per map or list, and per element in it (DynamoDB's published overhead). */
const CONTAINER_BYTES = 3;
const ELEMENT_BYTES = 1;

/**
 * Why DynamoDB cannot store `n` exactly through the document client, or undefined when it can.
 *
 * @example numberProblem(1e-200) // 'is below 1E-130 in magnitude, the smallest DynamoDB stores'
 */
export function numberProblem(n: number): string | undefined {
  if (!Number.isFinite(n)) return 'must be a finite number';
  const magnitude = Math.abs(n);
  if (magnitude > MAX_NUMBER_MAGNITUDE) return `is beyond ±${MAX_NUMBER_MAGNITUDE}, the largest magnitude stored exactly`;
  if (magnitude !== 0 && magnitude < MIN_NUMBER_MAGNITUDE) return 'is below 1E-130 in magnitude, the smallest DynamoDB stores (other than 0)';
  return undefined;
}

/**
 * UTF-8 length of a JS string without encoding it (a 10 MB body is measured often). A lone
 * surrogate counts 3 bytes, as the replacement character the SDK's encoder writes for it.
 */
export function utf8Bytes(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/**
 * The size of a JSON-like value as a DynamoDB attribute value, at most. `undefined` members
 * count nothing (the document client drops them).
 */
export function attributeBytes(value: unknown): number {
  if (value === undefined) return 0;
  if (value === null || typeof value === 'boolean') return 1;
  if (typeof value === 'number' || typeof value === 'bigint') return NUMBER_BYTES;
  if (typeof value === 'string') return utf8Bytes(value);
  if (Array.isArray(value)) return value.reduce<number>((sum, v) => sum + ELEMENT_BYTES + attributeBytes(v), CONTAINER_BYTES);
  if (typeof value === 'object') {
    let sum = CONTAINER_BYTES;
    for (const [name, v] of Object.entries(value)) if (v !== undefined) sum += ELEMENT_BYTES + utf8Bytes(name) + attributeBytes(v);
    return sum;
  }
  return 0;
}

/** An item's size as DynamoDB counts it (top-level attributes: name + value), at most. */
export function itemBytes(item: Record<string, unknown>): number {
  let sum = 0;
  for (const [name, v] of Object.entries(item)) if (v !== undefined) sum += utf8Bytes(name) + attributeBytes(v);
  return sum;
}

/** Where in a value a limit is broken: a path from its root, and why. */
export interface LimitProblem {
  path: (string | number)[];
  message: string;
}

/**
 * The first number inside `value` that DynamoDB cannot store exactly, with its path.
 *
 * @example firstNumberProblem({ a: [1, 1e300] }) // { path: ['a', 1], message: 'is beyond …' }
 */
export function firstNumberProblem(value: unknown, path: (string | number)[] = []): LimitProblem | undefined {
  if (typeof value === 'number') {
    const message = numberProblem(value);
    return message ? { path, message } : undefined;
  }
  if (value === null || typeof value !== 'object') return undefined;
  const entries: [string | number, unknown][] = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
  for (const [key, v] of entries) {
    const problem = firstNumberProblem(v, [...path, key]);
    if (problem) return problem;
  }
  return undefined;
}

/**
 * The path to what makes an oversized value big: from the root, the largest member, as long
 * as it carries most of its parent's weight (so a client is pointed at `transformation.code`,
 * not at `transformation`, nor at one of many equally small rows).
 */
export function largestPath(value: unknown, depth = 3): (string | number)[] {
  if (depth === 0 || value === null || typeof value !== 'object') return [];
  const entries: [string | number, unknown][] = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
  let best: [string | number, number] | undefined;
  for (const [key, v] of entries) {
    const size = attributeBytes(v);
    if (!best || size > best[1]) best = [key, size];
  }
  if (!best || best[1] * 2 < attributeBytes(value)) return [];
  return [best[0], ...largestPath((value as Record<string | number, unknown>)[best[0]], depth - 1)];
}

/** `root` and a path in the notation errors use everywhere: body.rows[3].age */
export function fieldPath(root: string, path: readonly (string | number | symbol)[]): string {
  return path.reduce<string>((at, key) => (typeof key === 'number' ? `${at}[${key}]` : `${at}.${String(key)}`), root);
}

/** "412 KB" for a message. */
export function kilobytes(bytes: number): string {
  return `${Math.ceil(bytes / 1024)} KB`;
}
