import { configure } from 'safe-stable-stringify';

/**
 * JSON with keys in a fixed order, so the same entry always hashes the same wherever it
 * was serialized (DynamoDB returns map attributes in no particular order).
 */
export const canonicalJson: (value: unknown) => string = configure({ deterministic: true, bigint: true }) as (v: unknown) => string;
