/**
 * The store's configuration: table names and the snapshot bucket, through the typed getters
 * of contract/config.ts (read once, naming what is missing). The functions pass nothing: the
 * defaults read `process.env`; tests and scripts may pass an environment of their own.
 */
import { ENV, MissingConfigError, config, oneOf, optionalString, requireString, tableName, type Env } from '../contract/config';
import { SNAPSHOT_BUCKET_ENV, TABLES, type TableSpec } from '../contract/tables';

export { MissingConfigError };

/** The value of `name`, throwing {@link MissingConfigError} when unset or empty. */
export function requireEnv(name: string, env: Env = process.env): string {
  return requireString(name, env);
}

/** Tables every function uses; the others (`usedBy` in contract/tables.ts) are read where needed. */
export type SharedTableId = 'versions' | 'pointers' | 'history' | 'audit' | 'online' | 'refusals';
export type TableNames = Record<SharedTableId, string>;

export interface StoreConfig {
  tables: TableNames;
  snapshotBucket: string;
  /** s3rver and LocalStack address buckets by path, not by host name. */
  s3ForcePathStyle: boolean;
  /** The online table's own DynamoDB endpoint (the local runtime's in-memory DynamoDB Local); unset: with the other tables. */
  onlineDynamoDbEndpoint?: string;
}

/**
 * The store's configuration from `env`. From `process.env` (the default) it is the memoized
 * configuration of this container (contract/config.ts `config`); from another environment it is
 * read from that one.
 */
export function storeConfigFromEnv(env: Env = process.env): StoreConfig {
  const fromProcess = env === process.env;
  const name = (id: TableSpec['id']) => (fromProcess ? config.tableName(id) : tableName(id, env));
  const tables = Object.fromEntries(TABLES.filter((t) => !t.usedBy).map((t) => [t.id, name(t.id)])) as TableNames;
  return {
    tables,
    snapshotBucket: fromProcess ? config.snapshotBucket() : requireString(SNAPSHOT_BUCKET_ENV, env),
    s3ForcePathStyle: fromProcess ? config.s3ForcePathStyle() : oneOf(ENV.s3ForcePathStyle, ['true', 'false'], 'false', env) === 'true',
    ...onlineEndpoint(fromProcess ? config.onlineDynamoDbEndpoint() : optionalString(ENV.onlineDynamoDbEndpoint, env)),
  };
}

/** The environment that points a process at a set of tables named `${prefix}-${id}`. */
export function envForPrefix(prefix: string, bucket: string): Record<string, string> {
  const env: Record<string, string> = { [SNAPSHOT_BUCKET_ENV]: bucket };
  for (const t of TABLES) env[t.envVar] = `${prefix}-${t.id}`;
  return env;
}

/** The physical name of a table used only by some functions, read once by those. */
export function tableNameFromEnv(id: TableSpec['id'], env: Env = process.env): string {
  return env === process.env ? config.tableName(id) : tableName(id, env);
}

const onlineEndpoint = (endpoint: string | undefined) => (endpoint === undefined ? {} : { onlineDynamoDbEndpoint: endpoint });
