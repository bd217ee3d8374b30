/**
 * Starts Rewind for the Python tests, as examples/demo.ts does without REWIND_URL: the local
 * runtime in this process on in-memory emulators (DynamoDB Local, s3rver), nothing kept. Prints
 * one JSON line `{ url, token }` (an admin token for the session) once it answers, and stops
 * everything it started when its stdin closes or it gets SIGTERM/SIGINT, so a Python test that
 * dies still leaves no emulator behind.
 *
 *   npx tsx test/support/rewind-for-python.ts (clients/python/tests/runtime.py spawns it)
 */
import { startLocalRewind } from '../../local/runtime';
import { mintToken } from '../../local/tokens';

async function main(): Promise<void> {
  process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  // A short staleness bound so a test sees a rollback served quickly (the production default is 1 s too).
  const local = await startLocalRewind({ port: 0, pointerCacheMs: 200, monitoring: false });
  const token = await mintToken(local.jwtSecret, { sub: 'python-tests', roles: ['admin'] });
  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= local.stop().then(() => process.exit(0)));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdin.on('end', stop);
  process.stdin.resume();
  process.stdout.write(`${JSON.stringify({ url: local.url, token })}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
