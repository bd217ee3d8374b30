/**
 * Configuration, read once at cold start through typed getters that name what is missing.
 */
import { SNAPSHOT_BUCKET_ENV, TABLES, type TableSpec } from '../contract/tables';

export class MissingConfigError extends Error {
  constructor(readonly variable: string) {
    super(`environment variable ${variable} is not set`);
    this.name = 'MissingConfigError';
  }
}

export function requireEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (value === undefined || value === '') throw new MissingConfigError(name);
  return value;
}

/** Tables every function uses; the others (`usedBy` in contract/tables.ts) are read where needed. */
export type SharedTableId = 'versions' | 'pointers' | 'history' | 'audit' | 'online';
export type TableNames = Record<SharedTableId, string>;

export interface StoreConfig {
  tables: TableNames;
  snapshotBucket: string;
  /** s3rver and LocalStack address buckets by path, not by host name. */
  s3ForcePathStyle: boolean;
}

export function storeConfigFromEnv(env: NodeJS.ProcessEnv = process.env): StoreConfig {
  const tables = Object.fromEntries(TABLES.filter((t) => !t.usedBy).map((t) => [t.id, requireEnv(t.envVar, env)])) as TableNames;
  return {
    tables,
    snapshotBucket: requireEnv(SNAPSHOT_BUCKET_ENV, env),
    s3ForcePathStyle: env.REWIND_S3_FORCE_PATH_STYLE === 'true',
  };
}

/** The environment that points a process at a set of tables named `${prefix}-${id}`. */
export function envForPrefix(prefix: string, bucket: string): Record<string, string> {
  const env: Record<string, string> = { [SNAPSHOT_BUCKET_ENV]: bucket };
  for (const t of TABLES) env[t.envVar] = `${prefix}-${t.id}`;
  return env;
}

/** The physical name of a table used only by some functions, read once by those. */
export function tableNameFromEnv(id: TableSpec['id'], env: NodeJS.ProcessEnv = process.env): string {
  const spec = TABLES.find((t) => t.id === id);
  if (!spec) throw new Error(`unknown table ${id}`);
  return requireEnv(spec.envVar, env);
}
