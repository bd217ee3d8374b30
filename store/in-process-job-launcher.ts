/**
 * Where no state machine runs the jobs (the local runtime: no REWIND_JOB_STATE_MACHINE), a
 * job's launch is handed to the job runner in the same process (local/job-runner.ts), which
 * registers itself here. Nothing is lost when no runner listens: the job is stored `queued`,
 * and a runner resumes every unfinished job when it starts.
 */
import type { Job, JobLauncher } from '../core/ports/jobs';

type Listener = (job: Job) => void;
let listener: Listener | undefined;

/** The runner's hook; returns the function that unhooks it. */
export function onJobLaunched(fn: Listener): () => void {
  listener = fn;
  return () => {
    if (listener === fn) listener = undefined;
  };
}

export const inProcessJobLauncher: JobLauncher = {
  launch: async (job) => listener?.(job),
};
