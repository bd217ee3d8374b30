/**
 * The second progress bar of `rewind deploy` (and the one of `rewind purge`, `rewind training-set`
 * when they run as jobs): a job followed until it ends (rows
 * written of the file's rows, rows/s, ETA), on stderr so that `--json` on stdout stays clean.
 * On a terminal a bar redrawn at every read of the job; anywhere else (CI logs, pipes) one
 * progress line per read, as before.
 */
import { Presets, SingleBar } from 'cli-progress';
import type { JobView } from '../core/jobs';
import { progressLine } from './commands';

export interface JobProgress {
  update(job: JobView): void;
  stop(): void;
}

export function terminalJobProgress(stream: NodeJS.WriteStream): JobProgress {
  if (!stream.isTTY) return { update: (job) => stream.write(`${progressLine(job)}\n`), stop: () => undefined };
  let bar: SingleBar | undefined;
  return {
    update(job) {
      // The total is known once validation has counted the rows; until then the bar waits at 0.
      const total = Math.max(1, job.rows.total ?? 0);
      // A purge's rows are rows deleted, a training set's rows answered: the kind says which.
      const kind = job.kind && job.kind !== 'deploy' ? `${job.kind} ` : '';
      // A long validation (in segments) counts the rows it has read: shown until the total is known.
      const read = job.phase === 'validating' && job.rows.validated ? `, ${job.rows.validated} rows read` : '';
      const payload = { job: job.id.slice(0, 8), phase: `${kind}${job.status} (${job.phase}${read})`, rate: job.rowsPerSecond ?? 0, eta: eta(job) };
      if (!bar) {
        bar = new SingleBar({ stream, format: 'job {job} {phase} |{bar}| {value}/{total} rows, {rate} rows/s, ETA {eta}', hideCursor: true, clearOnComplete: false, barsize: 30 }, Presets.shades_classic);
        bar.start(total, job.rows.written, payload);
      }
      bar.setTotal(total);
      bar.update(job.rows.written, payload);
    },
    stop() {
      bar?.stop();
    },
  };
}

function eta(job: JobView): string {
  if (job.status !== 'running' || !job.rowsPerSecond || job.rows.total === null) return '—';
  const seconds = Math.max(0, Math.round((job.rows.total - job.rows.written) / job.rowsPerSecond));
  return seconds >= 60 ? `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s` : `${seconds}s`;
}
