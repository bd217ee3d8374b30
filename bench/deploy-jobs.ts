/**
 * A 100,000-row deploy through the job path (`"async": true`: chunks through the local job
 * runner) against the synchronous path (one request), same rows, same in-memory runtime, one
 * run. Prints rows/s of each, measured from the POST to the version being recorded.
 *
 *   npx tsx bench/deploy-jobs.ts [rows]
 */
import { startLocalRewind } from '../local/runtime';
import { mintToken } from '../local/tokens';
import { rows, userProfile } from '../test/support/fixtures';

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 100_000);
  const rewind = await startLocalRewind({ monitoring: false });
  try {
    const token = await mintToken(rewind.jwtSecret, { sub: 'bench', roles: ['deployer'] });
    const post = async (path: string, body: unknown) => {
      const res = await fetch(rewind.url + path, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return { status: res.status, body: (await res.json()) as any };
    };
    const get = async (path: string) => (await fetch(rewind.url + path, { headers: { authorization: `Bearer ${token}` } })).json() as Promise<any>;
    const data = rows(count, 1);

    let started = performance.now();
    const sync = await post('/views/bench_sync/versions', { definition: userProfile, rows: data });
    const syncMs = performance.now() - started;
    if (sync.status !== 201) throw new Error(`sync deploy: ${sync.status} ${JSON.stringify(sync.body)}`);

    started = performance.now();
    const job = await post('/views/bench_job/versions', { definition: userProfile, rows: data, async: true });
    if (job.status !== 202) throw new Error(`job deploy: ${job.status} ${JSON.stringify(job.body)}`);
    let state: any;
    do {
      await new Promise((r) => setTimeout(r, 200)); // the follower's poll, as the CLI's
      state = await get(`/jobs/${job.body.job.id}`);
    } while (!['succeeded', 'failed', 'cancelled'].includes(state.status));
    const jobMs = performance.now() - started;
    if (state.status !== 'succeeded') throw new Error(`job ${state.status}: ${JSON.stringify(state.error)}`);

    const rate = (ms: number) => Math.round(count / (ms / 1000));
    console.log(JSON.stringify({ rows: count, syncMs: Math.round(syncMs), syncRowsPerSecond: rate(syncMs), jobMs: Math.round(jobMs), jobRowsPerSecond: rate(jobMs), jobMaterializeRowsPerSecond: state.rowsPerSecond, chunks: state.chunks.total, ratio: Number((syncMs / jobMs).toFixed(2)) }));
  } finally {
    await rewind.stop();
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
