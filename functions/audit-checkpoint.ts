/**
 * Scheduled (the stack: every REWIND checkpoint interval; locally: every
 * REWIND_CHECKPOINT_INTERVAL_MS): a signed checkpoint of every audit chain's end goes to the
 * snapshot bucket under checkpoints/ (core/audit-checkpoint.ts). Not audited: it changes no
 * Rewind state, and a run a minute would drown the global chain.
 *
 * Environment: the audit table (read), the bucket's checkpoints/ prefix (read, write), the
 * checkpoint key (kms:Sign).
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import { takeCheckpoint } from '../core/audit-checkpoint';
import { checkpointAdapters } from '../store/audit-checkpoint-deps';
import { getDeps } from './commons/deps';
import { logger, tracer } from './commons/powertools';

export interface CheckpointTaken {
  seq: number;
  chains: number;
  keyId: string;
}

const handle = async (): Promise<CheckpointTaken> => {
  const checkpoint = await takeCheckpoint(getDeps(), checkpointAdapters());
  const taken = { seq: checkpoint.seq, chains: checkpoint.heads.length, keyId: checkpoint.keyId };
  logger.info('audit checkpoint taken', { ...taken });
  return taken;
};

export const handler = middy<unknown, CheckpointTaken>().use(captureLambdaHandler(tracer)).use(injectLambdaContext(logger)).handler(handle);
