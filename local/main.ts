/**
 * `npm start`: Rewind on this machine, data kept under REWIND_DATA_DIR (default .rewind/).
 */
import './quiet-sdk-notice';
import { DataDirInUseError, JavaMissingError, reclaimOrphanDynamoDb } from './emulators';
import { assertPortFree, PortTakenError } from './tcp-ports';
import { promoteIntervalFromEnv } from './releases';
import { startLocalRewind } from './runtime';
import { mintToken } from './tokens';

function portFrom(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`${name} must be a port number, got '${raw}'`);
  return port;
}

/** The ports this start will bind, by the variable that chose each (3000 is PORT's default). */
function pinnedPorts(): [string, number][] {
  const pinned: [string, number | undefined][] = [
    ['PORT', portFrom('PORT') ?? 3000],
    ['REWIND_DYNAMODB_PORT', portFrom('REWIND_DYNAMODB_PORT')],
    ['REWIND_S3_PORT', portFrom('REWIND_S3_PORT')],
  ];
  return pinned.filter((p): p is [string, number] => p[1] !== undefined && p[1] !== 0);
}

async function main(): Promise<void> {
  const dataDir = process.env.REWIND_DATA_DIR ?? '.rewind';
  // First what an earlier, killed run left on this data directory (it may hold a pinned port),
  // then every pinned port, so a taken one is named by its variable before anything starts.
  for (const role of ['data', 'online'] as const) {
    const orphan = await reclaimOrphanDynamoDb(dataDir, role);
    if (orphan !== undefined) console.log(`rewind: stopped DynamoDB Local (pid ${orphan}) left running on ${dataDir} by an earlier run`);
  }
  for (const [name, port] of pinnedPorts()) await assertPortFree(port, name);
  const rewind = await startLocalRewind({
    port: portFrom('PORT') ?? 3000,
    dataDir,
    dynamoPort: portFrom('REWIND_DYNAMODB_PORT'),
    s3Port: portFrom('REWIND_S3_PORT'),
    // Canaries and shadows with bakeSeconds are promoted by this check, as the stack's schedule does.
    promoteIntervalMs: promoteIntervalFromEnv() ?? 10_000,
    // The rebuild of the in-memory online table, before anything is served (its time included).
    onNotice: (line) => console.log(line),
  });
  console.log(`Rewind is serving on ${rewind.url}`);
  console.log(`  data:      ${dataDir} (DynamoDB Local ${rewind.dynamoEndpoint}, s3rver ${rewind.s3Endpoint})`);
  if (rewind.onlineDynamoEndpoint) console.log(`  online:    in memory (DynamoDB Local ${rewind.onlineDynamoEndpoint}), rebuilt from the snapshots at every start`);
  if (rewind.trustedIssuer)
    console.log(`  tokens:    only from ${rewind.trustedIssuer.issuer} for audience '${rewind.trustedIssuer.audience}', verified through its JWKS (REWIND_JWT_ISSUER)`);
  else if (rewind.usingDefaultSecret)
    console.log('  tokens:    signed with the built-in development secret (set REWIND_JWT_SECRET to use your own; local mode only)');
  if (rewind.monitoring)
    console.log(
      `  monitoring: drift monitor every ${rewind.env.REWIND_MONITOR_INTERVAL_MS ?? process.env.REWIND_MONITOR_INTERVAL_MS ?? '60000'} ms, alarms on ${rewind.env.REWIND_ALARM_PERIOD_SECONDS ?? 'policy'} s periods, auto-rollback on (REWIND_MONITORING)`,
    );
  console.log(`  console:   ${rewind.url}/ui/ (docs/console.md)`);
  if (!rewind.trustedIssuer) {
    console.log(`  try:       curl -H "Authorization: Bearer $(npx rewind token --sub you --roles viewer)" ${rewind.url}/views`);
    console.log(`  admin token for this session:\n${await mintToken(rewind.jwtSecret, { sub: 'local-admin', roles: ['admin'], mfa: true })}`);
  }
  console.log('Press Ctrl-C to stop.');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping Rewind and its emulators…`);
    await rewind.stop();
    console.log('stopped; data kept in', dataDir);
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error: unknown) => {
  if (error instanceof JavaMissingError || error instanceof PortTakenError || error instanceof DataDirInUseError) console.error(`rewind: ${error.message}`);
  // A port taken between the check and the bind (the API's listen).
  else if ((error as NodeJS.ErrnoException)?.code === 'EADDRINUSE')
    console.error(`rewind: port ${(error as { port?: number }).port ?? '?'} is taken by another process; stop that process or choose another port (PORT, REWIND_DYNAMODB_PORT, REWIND_S3_PORT)`);
  else console.error('rewind: could not start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
