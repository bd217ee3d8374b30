/**
 * Least privilege, as one reviewable table: what each function may do to each table and to
 * the snapshot bucket. The stack grants exactly this (RewindFunction.bindTable/bindBucket)
 * and the infra tests read the synthesized IAM policies back against it.
 *
 * Every function that builds the store (functions/commons/deps.ts → store/index.ts) is told
 * every table name and the bucket name, because store/config.ts reads them all at cold start;
 * `'none'` is that: the name, no permission.
 */
import type { TableSpec } from '../contract/tables';

export type TableId = TableSpec['id'];

/**
 * - `read`: GetItem, BatchGetItem, Query, Scan (and the table's indexes).
 * - `append`: PutItem and Query, no update or delete: the audit chain (query the tail, put
 *   the next entry under a condition) and history entries. Every HTTP function appends to
 *   the audit table, because any route may refuse a caller and a refusal is audited.
 * - `read-append`: both, for the functions that read the audit log and may also refuse.
 * - `write`: read plus PutItem, UpdateItem, DeleteItem, BatchWriteItem.
 */
export type TableAccess = 'none' | 'read' | 'append' | 'read-append' | 'write';

export const DYNAMODB_ACTIONS: Record<Exclude<TableAccess, 'none'>, readonly string[]> = {
  read: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:Scan'],
  append: ['dynamodb:PutItem', 'dynamodb:Query'],
  'read-append': ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:Scan', 'dynamodb:PutItem'],
  write: [
    'dynamodb:GetItem',
    'dynamodb:BatchGetItem',
    'dynamodb:Query',
    'dynamodb:Scan',
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    'dynamodb:DeleteItem',
    'dynamodb:BatchWriteItem',
  ],
};

/** Key prefixes in the snapshot bucket (store/s3-snapshots.ts writes under these). */
export const SNAPSHOTS_PREFIX = 'snapshots/';
export const UPLOADS_PREFIX = 'uploads/';

export interface BucketAccess {
  /** Key prefixes the function may read (GetObject, and ListBucket so a missing key is a 404, not a 403). */
  read?: readonly string[];
  /** Key prefixes the function may write (PutObject, which also signs upload URLs). */
  write?: readonly string[];
}

export interface FunctionAccess {
  tables: Record<TableId, TableAccess>;
  bucket: BucketAccess;
}

const noTables: Record<TableId, TableAccess> = { versions: 'none', pointers: 'none', history: 'none', audit: 'append', online: 'none' };

/**
 * The pointer-moving paths: activation, rollback (manual and from an alarm) and deploy, which
 * activates in the same request when asked (`activate: true` calls core's activateVersion,
 * the same one transaction). Each may rematerialize a purged version from its snapshot.
 */
const movesPointers: FunctionAccess = {
  tables: { versions: 'write', pointers: 'write', history: 'append', audit: 'append', online: 'write' },
  bucket: { read: [SNAPSHOTS_PREFIX] },
};

/** By handler name (contract/routes.ts `handler`, contract/rules.ts `handler`). */
export const FUNCTION_ACCESS: Readonly<Record<string, FunctionAccess>> = {
  // Serving: reads only. It can never move a pointer or change a value it serves.
  'get-online': { tables: { ...noTables, versions: 'read', pointers: 'read', online: 'read' }, bucket: {} },
  'list-views': { tables: { ...noTables, versions: 'read', pointers: 'read' }, bucket: {} },
  'get-view': { tables: { ...noTables, versions: 'read', pointers: 'read' }, bucket: {} },
  'list-versions': { tables: { ...noTables, versions: 'read' }, bucket: {} },
  'get-version': { tables: { ...noTables, versions: 'read' }, bucket: {} },
  'get-history': { tables: { ...noTables, history: 'read' }, bucket: {} },
  'list-audit': { tables: { ...noTables, audit: 'read-append' }, bucket: {} },
  'verify-audit': { tables: { ...noTables, audit: 'read-append' }, bucket: {} },
  'create-upload': { tables: noTables, bucket: { write: [UPLOADS_PREFIX] } },
  'purge-version': { tables: { ...noTables, versions: 'write', pointers: 'read', online: 'write' }, bucket: {} },
  'deploy-version': {
    tables: movesPointers.tables,
    // Reads the caller's data file (an upload, or an earlier snapshot), writes the new snapshot.
    bucket: { read: [UPLOADS_PREFIX, SNAPSHOTS_PREFIX], write: [SNAPSHOTS_PREFIX] },
  },
  activate: movesPointers,
  rollback: movesPointers,
  'alarm-rollback': movesPointers,
};

export function accessFor(handler: string): FunctionAccess {
  const access = FUNCTION_ACCESS[handler];
  if (!access) throw new Error(`no access entry for function '${handler}': add it to infra/access.ts`);
  return access;
}

/** Handlers allowed to write a table (any access that can put an item). */
export function writersOf(table: TableId): string[] {
  return Object.entries(FUNCTION_ACCESS)
    .filter(([, a]) => ['append', 'read-append', 'write'].includes(a.tables[table]))
    .map(([handler]) => handler)
    .sort();
}
