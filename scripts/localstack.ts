/**
 * The LocalStack profile (needs Docker and a LocalStack auth token: HTTP APIs, i.e. API
 * Gateway v2, are not in LocalStack's free tier). A developer script, not cloud description:
 * it runs the test suites and serves the test issuer, which infra/ may not import
 * (ARCHITECTURE.md), so it lives in scripts/.
 *
 *   docker compose up -d localstack
 *   npm run deploy:localstack     # cdklocal bootstrap + deploy, outputs → cdk.out/localstack-outputs.json
 *   npm run test:localstack       # the integration + e2e suites and the smoke test, against the deployment
 *
 * The stack trusts a test OIDC issuer (test/support/oidc-issuer.ts) that `deploy` creates
 * once (its key stays in cdk.out/localstack-issuer.json) and `test` serves on this machine at
 * http://host.docker.internal:4599, where LocalStack's API Gateway fetches its JWKS (hence
 * rewind:allowHttpIssuer). `test` then runs test/deployed/run.ts with the API URL and the
 * table and bucket names from the outputs and AWS_ENDPOINT_URL at LocalStack: the SAME suites
 * as `npm test`, in their deployed mode (test/support/rewind.ts), minus *.local.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PROJECT_ROOT } from '../infra/bundling';
import { environmentFromOutputs, type StackOutputs } from '../infra/outputs';
import { DEFAULT_STACK_NAME } from '../infra/rewind-app';
import { runDeployedSuites } from '../test/deployed/run';
import { createIssuerKey, ISSUER_KEY_ENV, loadIssuerKey, saveIssuerKey, startIssuer } from '../test/support/oidc-issuer';

export const OUTPUTS_FILE = join(PROJECT_ROOT, 'cdk.out', 'localstack-outputs.json');
export const ISSUER_KEY_FILE = join(PROJECT_ROOT, 'cdk.out', 'localstack-issuer.json');
const ENDPOINT = process.env.AWS_ENDPOINT_URL ?? 'http://localhost.localstack.cloud:4566';
const STACK = process.env.REWIND_STACK_NAME ?? DEFAULT_STACK_NAME;
/** Where LocalStack's containers reach this machine (docker-compose.yml maps it). */
const ISSUER_PORT = Number(process.env.REWIND_TEST_ISSUER_PORT ?? 4599);
const ISSUER_URL = process.env.REWIND_TEST_ISSUER_URL ?? `http://host.docker.internal:${ISSUER_PORT}`;

/** LocalStack accepts any credentials; these keep the SDK from looking for real ones. */
const LOCAL_AWS = {
  AWS_ENDPOINT_URL: ENDPOINT,
  AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'test',
  AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'test',
  AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
  AWS_DEFAULT_REGION: process.env.AWS_REGION ?? 'us-east-1',
  REWIND_S3_FORCE_PATH_STYLE: 'true',
  CDK_DISABLE_VERSION_CHECK: '1',
};

/** The environment that points the suites at the LocalStack deployment, from its outputs. */
export function localStackEnvironment(outputs: StackOutputs, stack = STACK): Record<string, string> {
  return { ...LOCAL_AWS, ...environmentFromOutputs(outputs, stack, OUTPUTS_FILE, 'npm run deploy:localstack') };
}

function run(command: string, args: string[], env: Record<string, string>): void {
  console.log(`$ ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { stdio: 'inherit', cwd: PROJECT_ROOT, env: { ...process.env, ...env } });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

async function assertLocalStackUp(): Promise<void> {
  try {
    const res = await fetch(`${ENDPOINT}/_localstack/health`);
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
  } catch (error) {
    throw new Error(`LocalStack is not answering at ${ENDPOINT} (${(error as Error).message}): docker compose up -d localstack`);
  }
}

async function main(command: string | undefined, extra: string[]): Promise<void> {
  if (command === 'deploy') {
    await assertLocalStackUp();
    if (!existsSync(ISSUER_KEY_FILE)) {
      mkdirSync(dirname(ISSUER_KEY_FILE), { recursive: true });
      saveIssuerKey(ISSUER_KEY_FILE, await createIssuerKey(ISSUER_URL));
    }
    const key = loadIssuerKey(ISSUER_KEY_FILE);
    const context = [
      '-c', 'rewind:deletionProtection=false',
      // LocalStack's community edition has no CloudFront: the console is left out there.
      '-c', 'rewind:console=false',
      '-c', `rewind:jwtIssuer=${key.issuer}`,
      '-c', 'rewind:allowHttpIssuer=true',
      '-c', `rewind:jwtAudience=${key.audience}`,
    ];
    run('npx', ['cdklocal', 'bootstrap', ...context], LOCAL_AWS);
    run('npx', ['cdklocal', 'deploy', STACK, '--require-approval', 'never', '--outputs-file', OUTPUTS_FILE, ...context, ...extra], LOCAL_AWS);
    return;
  }
  if (command === 'test') {
    await assertLocalStackUp();
    if (!existsSync(OUTPUTS_FILE) || !existsSync(ISSUER_KEY_FILE)) throw new Error(`${OUTPUTS_FILE} or ${ISSUER_KEY_FILE} not found: run npm run deploy:localstack first`);
    const env = localStackEnvironment(JSON.parse(readFileSync(OUTPUTS_FILE, 'utf8')) as StackOutputs);
    // The issuer the stack trusts, on this machine, for as long as the suites run.
    const issuer = await startIssuer({ key: loadIssuerKey(ISSUER_KEY_FILE), port: ISSUER_PORT, host: '0.0.0.0' });
    try {
      process.exitCode = await runDeployedSuites({ ...env, [ISSUER_KEY_ENV]: ISSUER_KEY_FILE }, extra);
    } finally {
      await issuer.stop();
    }
    return;
  }
  if (command === 'destroy') {
    run('npx', ['cdklocal', 'destroy', STACK, '--force', '-c', 'rewind:deletionProtection=false'], LOCAL_AWS);
    return;
  }
  throw new Error('usage: tsx scripts/localstack.ts deploy|test|destroy [extra args]');
}

if (require.main === module) {
  const [command, ...extra] = process.argv.slice(2);
  main(command, extra).catch((error: unknown) => {
    console.error((error as Error).message);
    process.exitCode = 1;
  });
}
