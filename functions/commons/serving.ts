/**
 * What the serving function (get-online) is built from: the catalog, pointer log and online store over
 * DynamoDB, the serving sampler and the feature server. It imports nothing that reads S3,
 * so the serving bundle carries no Parquet, CSV or S3 code (test/infra/bundles.test.ts).
 */
import { config, MissingConfigError } from '../../contract/config';
import { DEFAULT_SAMPLE_CAPACITY, DEFAULT_SAMPLE_FLUSH_MS, ServingSampler, type SampleStore } from '../../core/sampling';
import { FeatureServer } from '../../core/serving';
import { tableNameFromEnv } from '../../store/config';
import { DynamoSampleStore } from '../../store/dynamo-samples';
import { createServingDeps, createServingEdge, type ServingDeps, type TablePorts } from '../../store/dynamo-ports';
import { documentClient } from './dynamo';
import { logger } from './powertools';

let deps: ServingDeps | undefined;
let edge: TablePorts | undefined;
let server: FeatureServer | undefined;
let samples: SampleStore | undefined;
let sampler: ServingSampler | undefined | null;

export function getServingDeps(): ServingDeps {
  deps ??= createServingDeps(documentClient());
  return deps;
}

/**
 * What the HTTP edge of serving judges and audits with: the policy (cached per container,
 * functions/commons/policy-cache.ts) and the audit log for refusals. Not given to the use case.
 */
export function getServingEdge(): TablePorts {
  edge ??= createServingEdge(documentClient());
  return edge;
}

/** The samples table (get-online writes it, drift-monitor reads it). */
export function getSampleStore(): SampleStore {
  samples ??= new DynamoSampleStore(documentClient(), tableNameFromEnv('samples'));
  return samples;
}

/**
 * The serving sampler, when this function samples: REWIND_SAMPLES_TABLE is set (the stack
 * binds it to get-online) and REWIND_SERVE_SAMPLING is not `off`. Tuned with
 * REWIND_SAMPLE_CAPACITY (rows per view and version per interval) and REWIND_SAMPLE_FLUSH_MS.
 */
export function getServingSampler(): ServingSampler | undefined {
  if (sampler !== undefined) return sampler ?? undefined;
  if (!hasSamplesTable() || !config.serveSampling()) {
    sampler = null;
    return undefined;
  }
  sampler = new ServingSampler(getSampleStore(), {
    capacity: config.sampleCapacity() ?? DEFAULT_SAMPLE_CAPACITY,
    flushIntervalMs: config.sampleFlushMs() ?? DEFAULT_SAMPLE_FLUSH_MS,
    onError: (error, batch) => logger.warn('a serving-sample batch was lost', { error: error as Error, view: batch.view, version: batch.version }),
  }).start();
  return sampler;
}

/** The samples table is optional: only the functions that sample or read samples are bound to it. */
function hasSamplesTable(): boolean {
  try {
    config.tableName('samples');
    return true;
  } catch (error) {
    if (error instanceof MissingConfigError) return false;
    throw error;
  }
}

export function getFeatureServer(): FeatureServer {
  const staleness = config.pointerCacheMs();
  server ??= new FeatureServer(getServingDeps(), getServingDeps().online, staleness, performance, getServingSampler());
  return server;
}

