import { planStep } from '../../core/jobs';
import { config } from '../../contract/config';
import { parseS3Uri } from '../../store/s3-snapshots';
import { jobStep } from './step';

// The manifest's bucket and key, as the Distributed Map's S3 ItemReader takes them.
export const handler = jobStep('plan', async (deps, event: { job: string }) => {
  const { manifest, chunks } = await planStep(deps, event.job, config.jobChunkRows());
  const { bucket, key } = parseS3Uri(manifest, 'manifest');
  return { job: event.job, chunks, manifest: { bucket, key } };
});
