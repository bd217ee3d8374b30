import { materializeChunkStep } from '../../core/jobs';
import type { ChunkRef } from '../../core/ports/jobs';
import { jobStep } from './step';

// One item of the manifest (the Distributed Map passes it as is).
export const handler = jobStep('materialize-chunk', (deps, chunk: ChunkRef) => materializeChunkStep(deps, chunk.job, chunk));
