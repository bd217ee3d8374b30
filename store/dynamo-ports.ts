/**
 * The DynamoDB adapters of the four table ports, sharing one audit-chain writer. No S3 here:
 * the serving bundle imports this and must carry no Parquet, CSV or S3 code
 * (test/infra/bundles.test.ts).
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Deps } from '../core/deps';
import { systemClock } from '../core/ports';
import { config } from '../contract/config';
import { onlineDocumentClient } from './clients';
import { tableNameFromEnv, type TableNames } from './config';
import { DynamoAuditLog } from './dynamo-audit-log';
import { DynamoCatalog } from './dynamo-catalog';
import { ChainAppendWriter } from './dynamo-chain-append';
import { DynamoGovernance } from './dynamo-governance';
import { DynamoOnlineStore } from './dynamo-online';
import { DynamoPointerLog } from './dynamo-pointer-log';
import { DynamoRefusalLog } from './dynamo-refusal-log';

export type TablePorts = Pick<Deps, 'catalog' | 'pointers' | 'audit' | 'governance'>;

export function createTablePorts(db: DynamoDBDocumentClient, tables: Pick<TableNames, 'versions' | 'pointers' | 'history' | 'audit'>): TablePorts {
  const chain = new ChainAppendWriter(db, tables.audit);
  return {
    catalog: new DynamoCatalog(db, tables.versions, chain),
    pointers: new DynamoPointerLog(db, tables, chain),
    audit: new DynamoAuditLog(db, tables.audit, chain),
    governance: new DynamoGovernance(db, tables.versions, chain),
  };
}

/** What serving reads: the catalog, the pointers and the online values. Nothing it could write with. */
export type ServingDeps = Pick<Deps, 'catalog' | 'pointers' | 'online' | 'clock'>;

const tablesFromEnv = () => ({ versions: tableNameFromEnv('versions'), pointers: tableNameFromEnv('pointers'), history: tableNameFromEnv('history'), audit: tableNameFromEnv('audit') });

export function createServingDeps(db: DynamoDBDocumentClient): ServingDeps {
  const { catalog, pointers } = createTablePorts(db, tablesFromEnv());
  return { catalog, pointers, online: new DynamoOnlineStore(onlineDocumentClient(config.onlineDynamoDbEndpoint(), () => db), tableNameFromEnv('online')), clock: systemClock };
}

/** The ports serving's HTTP edge judges and audits refusals with (the policy, the audit log). */
export function createServingEdge(db: DynamoDBDocumentClient): TablePorts & Pick<Deps, 'refusals'> {
  return { ...createTablePorts(db, tablesFromEnv()), refusals: new DynamoRefusalLog(db, tableNameFromEnv('refusals')) };
}
